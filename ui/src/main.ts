import './styles.css';
import { mountApp } from './app';
import { installLockdown } from './lockdown';
import { api } from './ipc';

installLockdown();
const root = document.getElementById('app');
if (root) {
  const app = mountApp(root);
  void app.ready.then(() => api.uiReady()).catch(() => undefined);
}
