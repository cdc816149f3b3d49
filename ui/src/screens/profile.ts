// Step 5, « Formulaire »: the resident's profile (name, address, alert categories, contact points); the
// offline notes; after a login, an offline registration for the number waiting for the owner's decision.
import type { Profile, ProfileOutcome } from '../bindings';
import type { Navigation, ScreenPart, Services } from '../context';
import { createContactsEditor, type ContactsEditor } from '../contacts';
import { byId, h } from '../dom';
import { offlineVariant, pendingChange, phoneDisplay, registered } from '../flow';
import { createConfirmation } from '../confirm';
import { formatDateTime } from '../format';
import { currentLanguage, t } from '../i18n';
import { keyboardAttrs } from '../keyboard';
import { townArgs } from '../town';
import { button, clearFieldErrors, clearInputs, clearText, fieldBlock, input, optionalMark, setI18n, withBusy } from '../ui';
import { createCategoryChooser, type CategoryChooser } from './categories';
import { actionBar, buttonRow, form, guardCancel, requiredNote, screen } from './common';
import { profileDetails } from './summary';

export type ProfileContext = Pick<
  Services,
  'api' | 'info' | 'session' | 'dispatch' | 'screen' | 'show' | 'reset' | 'banner' | 'refreshConnectivity' | 'idleWarningOpen'
> &
  Pick<Navigation, 'done' | 'deleted'>;

export interface ProfileScreen extends ScreenPart {
  /** The contact points of the form. */
  readonly contacts: ContactsEditor;
  /** Step 5, filled in with this profile (the flow says online or offline, and the number). */
  open(profile: Profile): void;
}

function buildFields() {
  const fields = {
    name: input({ autocomplete: 'off' }),
    firstName: input(),
    language: h('select', {}, [h('option', { value: 'fr', i18n: 'lang.fr' }), h('option', { value: 'en', i18n: 'lang.en' })]),
    city: input(),
    street: input(),
    // Digits first; « ABC » on the keypad for a civic number such as 123A.
    civicNumber: input({ ...keyboardAttrs('numeric'), 'data-keyboard-letters': 'true' }),
    apartment: input(),
    postalCode: input({ autocapitalize: 'characters' }),
    newsletter: h('input', { type: 'checkbox', id: 'newsletter', 'aria-describedby': 'help-newsletter' }),
  };
  const grid = h('div', { class: 'grid' }, [
    fieldBlock({ id: 'name', field: 'name', label: 'profile.name', control: fields.name, required: true }),
    fieldBlock({ id: 'first-name', field: 'first_name', label: 'profile.first_name', control: fields.firstName, optional: true }),
    fieldBlock({ id: 'language', field: 'language', label: 'profile.language', control: fields.language, required: true }),
    fieldBlock({ id: 'city', field: 'city', label: 'profile.city', control: fields.city, required: true }),
    fieldBlock({ id: 'street', field: 'street', label: 'profile.street', control: fields.street, optional: true }),
    fieldBlock({ id: 'civic-number', field: 'civic_number', label: 'profile.civic_number', control: fields.civicNumber, optional: true }),
    fieldBlock({ id: 'apartment', field: 'apartment', label: 'profile.apartment', control: fields.apartment, optional: true }),
    fieldBlock({ id: 'postal-code', field: 'postal_code', label: 'profile.postal_code', control: fields.postalCode, optional: true }),
  ]);
  return { fields, grid };
}

function buildPendingPanel() {
  const text = h('p', { id: 'pending-change-text', class: 'lead' });
  const summary = h('div', { id: 'pending-change-summary', class: 'summary' });
  const accept = button('pending-accept', 'pending.accept', 'primary');
  const discard = button('pending-discard', 'pending.discard', 'secondary');
  const panel = h(
    'section',
    { id: 'pending-change', class: 'pending-change', role: 'region', 'aria-labelledby': 'pending-change-title', hidden: true },
    [h('h2', { id: 'pending-change-title', i18n: 'pending.title' }), text, summary, buttonRow([accept, discard])],
  );
  // Says what the decision did (empty, and unstyled, until then).
  const result = h('p', { id: 'pending-result', class: 'status-line', role: 'status' });
  return { panel, text, summary, accept, discard, result };
}

function build(categories: CategoryChooser, contacts: ContactsEditor) {
  const { fields, grid } = buildFields();
  const newsletterLabel = h('label', { for: 'newsletter', i18n: 'profile.newsletter' });
  const submit = button('btn-profile-submit', 'common.confirm', 'primary', 'submit');
  const cancel = button('btn-cancel-profile', 'common.cancel', 'ghost');
  const profileForm = form('form-profile', [
    requiredNote(),
    grid,
    h('div', { class: 'check' }, [fields.newsletter, newsletterLabel, ' ', optionalMark()]),
    h('p', { class: 'help', id: 'help-newsletter', i18n: 'profile.newsletter_help' }),
    categories.element,
    h('fieldset', { class: 'group' }, [
      h('legend', {}, [h('span', { i18n: 'profile.contacts' }), h('span', { class: 'required-mark', 'aria-hidden': 'true' }, [' *'])]),
      h('p', { class: 'help', id: 'help-contacts', i18n: 'profile.contacts_help' }),
      contacts.element,
    ]),
    actionBar([submit, cancel]),
  ]);
  // « Mon inscription »: a registration that exists may be deleted, after a question.
  const deleteButton = button('btn-delete-registration', 'manage.delete', 'danger');
  const deleteQuestion = createConfirmation('confirm-delete', {
    question: 'manage.delete_question',
    yes: 'manage.delete_yes',
    no: 'manage.delete_no',
  });
  const deleteZone = h('section', { id: 'delete-zone', class: 'danger-zone', 'aria-labelledby': 'delete-title', hidden: true }, [
    h('h2', { id: 'delete-title', i18n: 'manage.delete_title' }),
    h('p', { class: 'help', i18n: 'manage.delete_help' }),
    deleteButton,
    deleteQuestion.element,
  ]);
  const manageIntro = h('p', { id: 'manage-intro', class: 'lead', i18n: 'manage.intro', hidden: true });
  // Offline variant: the number (not verified) and why no code was asked.
  const profilePhone = h('p', { id: 'profile-phone', class: 'lead', hidden: true });
  const offlineNote = h('p', { id: 'offline-note', class: 'notice', hidden: true });
  // After login: an offline registration for this number waiting for the owner's decision.
  const pending = buildPendingPanel();
  const element = screen('profile', 'profile.title', [manageIntro, profilePhone, offlineNote, pending.result, pending.panel, profileForm, deleteZone]);
  return {
    element,
    form: profileForm,
    fields,
    newsletterLabel,
    submit,
    cancel,
    profilePhone,
    offlineNote,
    pending,
    manageIntro,
    deleteZone,
    deleteButton,
    deleteQuestion,
  };
}

export function createProfile(ctx: ProfileContext): ProfileScreen {
  const categories = createCategoryChooser(ctx.info);
  const contacts = createContactsEditor();
  const ui = build(categories, contacts);
  const { element, fields, pending } = ui;
  const cancelQuestion = guardCancel('confirm-cancel-profile', ui.cancel, ui.form, ctx.reset);
  ui.form.append(cancelQuestion.element);

  /** The newsletter's label names the town. */
  function renderNewsletter(): void {
    setI18n(ui.newsletterLabel, 'profile.newsletter', townArgs(ctx.info()?.town_name ?? ''));
  }

  /** Offline: the number (not verified) and why no code was asked or checked. */
  function renderNotes(): void {
    const flow = ctx.session().flow;
    const offline = offlineVariant(flow);
    const phone = phoneDisplay(flow);
    if (offline !== null && phone !== null) setI18n(ui.profilePhone, 'profile.phone', { phone });
    else clearText(ui.profilePhone);
    ui.profilePhone.hidden = offline === null || phone === null;
    if (offline === null) clearText(ui.offlineNote);
    else setI18n(ui.offlineNote, offline === 'request' ? 'profile.offline_note' : 'profile.offline_note_login');
    ui.offlineNote.hidden = offline === null;
  }

  function renderPending(): void {
    const change = pendingChange(ctx.session().flow);
    pending.panel.hidden = change === null;
    if (!change) {
      pending.text.replaceChildren();
      pending.summary.replaceChildren();
      return;
    }
    pending.text.textContent = t('pending.text', { date: formatDateTime(change.captured_at, currentLanguage()) });
    pending.summary.replaceChildren(
      h('p', {}, [t('pending.intro')]),
      ...profileDetails(change.profile, ctx.info(), { full: false, heading: 'h3', contactsTitle: 'profile.contacts' }),
    );
  }

  /**
   * Puts a profile in the form; with no contact at all, the resident's number comes first, its type left for
   * them to choose (how the code was sent says nothing of it: a cell phone may ask for a call).
   */
  function fill(p: Profile): void {
    fields.name.value = p.name;
    fields.firstName.value = p.first_name;
    fields.language.value = p.language;
    fields.city.value = p.city || (ctx.info()?.town_name ?? '');
    fields.street.value = p.street;
    fields.civicNumber.value = p.civic_number;
    fields.apartment.value = p.apartment;
    fields.postalCode.value = p.postal_code;
    fields.newsletter.checked = p.newsletter;
    categories.tick(p.categories);
    contacts.setContacts(p.contacts);
    const flow = ctx.session().flow;
    const phone = phoneDisplay(flow);
    if (p.contacts.length === 0 && phone !== null) {
      contacts.addRow({ value: phone, order: 1, active: true });
    }
  }

  function read(contactPoints: Profile['contacts']): Profile {
    return {
      name: fields.name.value,
      first_name: fields.firstName.value,
      language: fields.language.value === 'en' ? 'en' : 'fr',
      city: fields.city.value,
      street: fields.street.value,
      civic_number: fields.civicNumber.value,
      apartment: fields.apartment.value,
      postal_code: fields.postalCode.value,
      newsletter: fields.newsletter.checked,
      contacts: contactPoints,
      categories: categories.chosen(),
    };
  }

  /** « Appliquer ces informations » / « Garder mes informations actuelles ». */
  async function decidePending(accept: boolean, btn: HTMLButtonElement): Promise<void> {
    if (pending.accept.disabled || pending.discard.disabled || pendingChange(ctx.session().flow) === null) return;
    const session = ctx.session().id;
    pending.accept.disabled = true;
    pending.discard.disabled = true;
    btn.setAttribute('aria-busy', 'true');
    let decided: Profile;
    try {
      decided = await ctx.api.decidePendingChange(accept);
    } catch (e) {
      if (session === ctx.session().id) ctx.banner.showErrors(e, element);
      return;
    } finally {
      pending.accept.disabled = false;
      pending.discard.disabled = false;
      btn.removeAttribute('aria-busy');
    }
    // « Annuler » pressed meanwhile: this profile belongs to no one on screen any more.
    if (session !== ctx.session().id) return;
    ctx.dispatch({ type: 'pendingDecided' });
    ctx.banner.set([]);
    clearFieldErrors(element);
    fill(decided);
    renderPending();
    setI18n(pending.result, accept ? 'pending.accepted' : 'pending.discarded');
    // The pressed button is gone: back to the top of the form.
    if (ctx.screen() === 'profile' && !ctx.idleWarningOpen()) byId(element, 'title-profile').focus();
  }

  /** « Confirmer »: saved online, or in the kiosk's queue (sent when the service is back). */
  async function submitProfile(): Promise<void> {
    const answered = contacts.read();
    if (!answered.ok) {
      // A contact's type not chosen yet: asked next to it, nothing sent.
      ctx.banner.showErrors({ code: 'validation', message: '', fields: answered.errors, retry_after_seconds: null }, element);
      return;
    }
    const session = ctx.session().id;
    let outcome: ProfileOutcome;
    try {
      outcome = await ctx.api.saveProfile(read(answered.contacts));
    } catch (e) {
      if (session !== ctx.session().id) return;
      ctx.banner.showErrors(e, element);
      return;
    }
    if (session !== ctx.session().id) return;
    if (outcome.mode === 'offline') void ctx.refreshConnectivity();
    ctx.dispatch({ type: 'saved', outcome });
    ctx.done();
  }

  pending.accept.addEventListener('click', () => void decidePending(true, pending.accept));
  pending.discard.addEventListener('click', () => void decidePending(false, pending.discard));
  ui.form.addEventListener('submit', (event) => {
    event.preventDefault();
    void withBusy(ui.submit, submitProfile);
  });

  /** « Supprimer mon inscription », once the resident said yes: deleted on the central server, then step 6 says so. */
  async function deleteRegistration(): Promise<void> {
    if (!(await ui.deleteQuestion.ask())) {
      ui.deleteButton.focus();
      return;
    }
    const session = ctx.session().id;
    ui.deleteButton.disabled = true;
    ui.deleteButton.setAttribute('aria-busy', 'true');
    try {
      await ctx.api.deleteRegistration();
    } catch (e) {
      if (session === ctx.session().id) ctx.banner.showErrors(e, element);
      return;
    } finally {
      ui.deleteButton.disabled = false;
      ui.deleteButton.removeAttribute('aria-busy');
    }
    if (session !== ctx.session().id) return;
    ctx.dispatch({ type: 'deleted' });
    ctx.deleted();
  }

  /** « Mon inscription »: its title, its introduction, and the deletion, for a registration that exists. */
  function renderManage(): void {
    const mine = registered(ctx.session().flow);
    setI18n(byId(element, 'title-profile'), mine ? 'manage.title' : 'profile.title');
    ui.manageIntro.hidden = !mine;
    ui.deleteZone.hidden = !mine;
  }

  ui.deleteButton.addEventListener('click', () => void deleteRegistration());

  return {
    element,
    contacts,
    open(p: Profile): void {
      ui.form.reset();
      clearFieldErrors(element);
      fill(p);
      renderNotes();
      renderManage();
      ui.deleteQuestion.clear();
      clearText(pending.result);
      renderPending();
      ctx.show('profile');
    },
    /** The form as the state has it: the town, the categories offered, the offline notes, a pending change. */
    draw(): void {
      renderNewsletter();
      categories.render();
      renderNotes();
      renderManage();
      renderPending();
    },
    drawInfo(): void {
      renderNewsletter();
      categories.render();
    },
    retranslate(): void {
      categories.renderLabels();
      renderPending();
    },
    show(): void {
      // Drawn by `open`, which leads here.
    },
    clear(): void {
      ui.form.reset();
      clearInputs(element);
      categories.clear();
      contacts.clear();
      clearFieldErrors(element);
      cancelQuestion.clear();
      ui.deleteQuestion.clear();
      renderNotes();
      renderManage();
      renderPending();
      clearText(pending.result);
      for (const btn of [pending.accept, pending.discard]) {
        btn.disabled = false;
        btn.removeAttribute('aria-busy');
      }
    },
  };
}
