import './styles.css';
import { mountApp } from './app';
import { installLockdown } from './lockdown';

installLockdown();
const root = document.getElementById('app');
if (root) mountApp(root);
