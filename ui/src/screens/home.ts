// Home: « Nouvel usager » and « Mot de passe oublié? » both lead to step 1.
import type { Navigation, ScreenPart } from '../context';
import { h } from '../dom';
import { button } from '../ui';
import { screen } from './common';

export type HomeContext = Pick<Navigation, 'request'>;

export function createHome(ctx: HomeContext): ScreenPart {
  const newUser = button('btn-new-user', 'home.new_user', 'primary');
  const forgot = button('btn-forgot', 'home.forgot', 'secondary');
  const element = screen('home', 'home.title', [
    h('p', { class: 'subtitle', i18n: 'home.subtitle' }),
    h('p', { class: 'intro', i18n: 'home.intro' }),
    h('div', { class: 'button-column' }, [newUser, forgot]),
  ]);
  newUser.addEventListener('click', () => void ctx.request(false));
  forgot.addEventListener('click', () => void ctx.request(false));
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
