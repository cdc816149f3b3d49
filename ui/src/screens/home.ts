// Home: « Nouvel usager » and « Déjà inscrit? Modifier mon inscription ». Both go through step 1 (a code
// proves the number is theirs); after the login, a registration that exists is shown to change or delete
// (« Mon inscription », step 5).
import type { Navigation, ScreenPart } from '../context';
import { h } from '../dom';
import { button } from '../ui';
import { screen } from './common';

export type HomeContext = Pick<Navigation, 'request'>;

export function createHome(ctx: HomeContext): ScreenPart {
  const newUser = button('btn-new-user', 'home.new_user', 'primary');
  const manage = button('btn-manage', 'home.manage', 'secondary');
  const element = screen('home', 'home.title', [
    h('p', { class: 'subtitle', i18n: 'home.subtitle' }),
    h('p', { class: 'intro', i18n: 'home.intro' }),
    h('div', { class: 'button-column' }, [newUser, h('p', { class: 'help', i18n: 'home.manage_help' }), manage]),
  ]);
  newUser.addEventListener('click', () => void ctx.request(false));
  manage.addEventListener('click', () => void ctx.request(false));
  return {
    element,
    show(): void {
      // Nothing to draw: the same two buttons for everyone.
    },
    clear(): void {
      // Nothing of the resident here.
    },
  };
}
