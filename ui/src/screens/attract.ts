// The attract screen: the kiosk's first screen, between residents. Touching it anywhere starts; the staff
// entry (a discreet icon) opens the PIN dialog. Built at start, the only screen that is.
import type { ScreenPart, Services } from '../context';
import { h } from '../dom';
import { t } from '../i18n';
import { townArgs, townTitle } from '../town';
import { button, clearText, setI18n } from '../ui';

/** Touching the attract screen: any of these goes to the home screen. */
const START_EVENTS = ['pointerdown', 'touchstart', 'keydown', 'click'] as const;

export interface AttractContext extends Pick<Services, 'info' | 'screen' | 'show'> {
  /** The central server refuses this kiosk (from `connectivity`). */
  refused(): boolean;
  /** The touch that leaves this screen must not also press what is then under the finger. */
  swallowClick(): void;
  openPin(): void;
  /** Leaving: the PIN dialog belongs to this screen only. */
  closePin(): void;
  /** « Guidage vocal »: turns voice guidance on or off without leaving this screen. */
  voiceButton: HTMLElement;
}

export interface Attract extends ScreenPart {
  /** Not enrolled, or refused by the central server: a resident cannot sign up on this kiosk. */
  outOfService(): boolean;
  /** The screen says the kiosk is not in service instead of offering to start. */
  renderInService(): void;
  /** The focus back on the staff entry (the PIN dialog closed), if it is there. */
  focusStaffEntry(): void;
  /** « Commencer », when the kiosk is in service. */
  startButton(): HTMLElement | null;
}

export function createAttract(ctx: AttractContext): Attract {
  const title = h('h1', { id: 'title-attract', class: 'attract-title', tabindex: '-1', i18n: 'attract.title_generic' });
  const pitch = h('p', { id: 'attract-pitch', class: 'attract-pitch', i18n: 'attract.pitch_generic' });
  const startButton = button('btn-start', 'attract.start', 'primary');
  startButton.classList.add('btn-start');
  // Not enrolled (or refused by the central server): no signup can go through, the start does nothing.
  const notEnrolled = h('p', { id: 'not-enrolled', class: 'notice not-enrolled', role: 'status', hidden: true });
  // Staff entry: discreet (an icon in a corner), named for assistive technologies, shown only with a staff PIN.
  const staffButton = h(
    'button',
    {
      id: 'btn-staff',
      type: 'button',
      class: 'btn-staff',
      'aria-haspopup': 'dialog',
      'aria-label': t('staff.entry'),
      'data-i18n': 'staff.entry',
      'data-i18n-attr': 'aria-label',
      hidden: true,
    },
    [h('span', { class: 'btn-staff-icon', 'aria-hidden': 'true' }, ['⚙'])],
  );
  const element = h('section', { class: 'screen attract', id: 'screen-attract', hidden: true, 'aria-labelledby': 'title-attract' }, [
    title,
    pitch,
    notEnrolled,
    startButton,
    ctx.voiceButton,
    staffButton,
  ]);

  function outOfService(): boolean {
    return ctx.info()?.enrolled === false || ctx.refused();
  }

  function renderInService(): void {
    const out = outOfService();
    notEnrolled.hidden = !out;
    startButton.hidden = out;
    element.classList.toggle('out-of-service', out);
    if (!out) clearText(notEnrolled);
    else if (notEnrolled.dataset.i18n !== 'attract.not_enrolled') setI18n(notEnrolled, 'attract.not_enrolled');
  }

  /** The town's name, the staff entry (only with a staff PIN), in service or not. */
  function drawInfo(): void {
    const info = ctx.info();
    if (!info || info.town_name === '') {
      setI18n(title, 'attract.title_generic');
      setI18n(pitch, 'attract.pitch_generic');
    } else {
      const town = townTitle(info);
      setI18n(title, town.key, town.args);
      setI18n(pitch, 'attract.pitch', townArgs(info.town_name));
    }
    // No staff PIN configured: no staff entry at all.
    staffButton.hidden = !(info?.staff_enabled ?? false);
    renderInService();
  }

  /** Touching the attract screen anywhere starts. */
  const onStart = (event: Event): void => {
    if (ctx.screen() !== 'attract') return;
    // The staff entry sits on the attract screen: it opens the PIN dialog, not the home screen.
    if (event.target instanceof Node && staffButton.contains(event.target)) return;
    // So does « Guidage vocal »: it turns guidance on, and the resident starts when ready.
    if (event.target instanceof Node && ctx.voiceButton.contains(event.target)) return;
    // Not in service: the notice says so; a signup could not go through.
    if (outOfService()) return;
    if (event.type === 'pointerdown' || event.type === 'touchstart') ctx.swallowClick();
    ctx.show('home');
  };
  for (const type of START_EVENTS) element.addEventListener(type, onStart);
  staffButton.addEventListener('click', () => {
    ctx.openPin();
  });

  return {
    element,
    outOfService,
    renderInService,
    drawInfo,
    startButton: () => (startButton.hidden ? null : startButton),
    focusStaffEntry(): void {
      if (!staffButton.hidden) staffButton.focus();
    },
    show(): void {
      // Drawn from the kiosk's information (drawInfo), the same for every resident.
    },
    leave(): void {
      ctx.closePin();
    },
    clear(): void {
      // Nothing of the resident here.
    },
  };
}
