// Step 6, « Confirmation »: what the server says it stored or, queued on this kiosk, when it will be sent,
// how the code will come and the reference to note.
import type { ScreenPart, Services } from '../context';
import { byId, h } from '../dom';
import { queued, saved } from '../flow';
import { formatHour } from '../format';
import { currentLanguage, t } from '../i18n';
import { townArgs } from '../town';
import { button, clearText, setI18n } from '../ui';
import { buttonRow, screen } from './common';
import { profileDetails } from './summary';

/** Stands for the reference number inside its translated sentence (replaced by an element). */
const REFERENCE_MARK = '\u0000reference\u0000';

export type DoneContext = Pick<Services, 'info' | 'session' | 'reset'>;

export interface DoneScreen extends ScreenPart {
  /** Draws the summary from the session (what was saved). */
  render(): void;
}

export function createDone(ctx: DoneContext): DoneScreen {
  const confirmation = h('div', { id: 'confirmation', class: 'summary' });
  // Offline confirmation: when it will be sent, how the code will come, the reference to note.
  const offlineText = h('p', { id: 'done-offline-text', class: 'lead' });
  const referenceLine = h('p', { id: 'done-reference-line', class: 'reference' });
  const offline = h('div', { id: 'done-offline', class: 'done-offline', hidden: true }, [offlineText, referenceLine]);
  // How to stop the SMS alerts and how to come back (registrations only).
  const stopText = h('p', { id: 'done-stop', class: 'notice', i18n: 'done.stop' });
  // « Mon inscription » deleted: what it means, and how to come back.
  const deletedText = h('p', { id: 'done-deleted', class: 'lead' });
  const comeBack = h('p', { id: 'done-come-back', i18n: 'deleted.come_back' });
  const deleted = h('div', { id: 'done-deleted-block', hidden: true }, [deletedText, comeBack]);
  const finish = button('btn-finish', 'done.finish', 'primary');
  const element = screen('done', 'done.title', [offline, deleted, confirmation, stopText, buttonRow([finish])]);
  const title = byId(element, 'title-done');
  finish.addEventListener('click', () => void ctx.reset());

  /** The summary of what was saved, and, when queued on this kiosk, the offline variant's texts. */
  function render(): void {
    const flow = ctx.session().flow;
    const waiting = queued(flow);
    const gone = flow.kind === 'deleted';
    setI18n(title, gone ? 'deleted.title' : waiting ? 'done.title_offline' : 'done.title');
    deleted.hidden = !gone;
    stopText.hidden = gone;
    const town = ctx.info()?.town_name ?? '';
    if (gone) setI18n(deletedText, town === '' ? 'deleted.text_generic' : 'deleted.text', townArgs(town));
    else clearText(deletedText);
    offline.hidden = waiting === null;
    if (waiting) {
      const [from = '08:00', until = '21:00'] = (ctx.info()?.send_hours ?? '08:00-21:00').split('-');
      const lang = currentLanguage();
      // Which message will come, roughly when, and what to do with it.
      const next = waiting.needs_confirmation
        ? t(waiting.channel === 'voice' ? 'done.offline_confirm_voice' : 'done.offline_confirm_sms', {
            phone: waiting.phone_display,
            from: formatHour(from, lang),
            until: formatHour(until, lang),
          })
        : t('done.offline_nothing_to_do');
      offlineText.textContent = [
        town === '' ? t('done.offline_town_generic') : t('done.offline_town', townArgs(town)),
        next,
      ].join(' ');
      // « Numéro de référence : 7F3A-92C1 », the number in its own element (#done-reference).
      const [before = '', after = ''] = t('done.reference', { reference: REFERENCE_MARK }).split(REFERENCE_MARK);
      referenceLine.replaceChildren(before, h('strong', { id: 'done-reference' }, [waiting.reference]), after);
    } else {
      offlineText.replaceChildren();
      referenceLine.replaceChildren();
    }
    const p = saved(flow)?.profile ?? waiting?.profile;
    if (!p) {
      confirmation.replaceChildren();
      return;
    }
    confirmation.replaceChildren(
      h('p', {}, [t('done.intro')]),
      ...profileDetails(p, ctx.info(), { full: true, heading: 'h2', contactsTitle: 'done.contacts' }),
    );
  }

  return {
    element,
    render,
    draw: render,
    retranslate: render,
    show(): void {
      // Drawn by `render` before it is shown.
    },
    clear: render,
  };
}
