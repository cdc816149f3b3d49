// Voice guidance: turned on at the attract screen by touch or by a physical key, what is spoken, the arrows,
// and the wipe that turns it off.
import { clearMocks } from '@tauri-apps/api/mocks';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { setLanguage } from './i18n';
import { flush, mount, type Mounted, type, visibleScreen } from './test-helpers';

beforeEach(() => {
  setLanguage('fr');
});
afterEach(() => {
  clearMocks();
});

/** Everything sent to the speech engine so far, in order. */
function spoken(m: Mounted): string[] {
  return m.calls.filter((c) => c.cmd === 'speak').map((c) => (c.args as { text: string }).text);
}

function key(target: Element, name: string): void {
  target.dispatchEvent(new KeyboardEvent('keydown', { key: name, bubbles: true, cancelable: true }));
}

async function mountWithSpeech(): Promise<Mounted> {
  return mount((cmd) => (cmd === 'speak' || cmd === 'speech_stop' ? null : undefined));
}

describe('voice guidance', () => {
  it('is off until asked: nothing is spoken', async () => {
    const m = await mountWithSpeech();
    m.$('#btn-start').click();
    await flush();
    m.$('#btn-new-user').click();
    await flush();
    m.$('#phone').focus();
    expect(spoken(m)).toEqual([]);
  });

  it('turns on with F1 on the attract screen, which stays, and says how to go on', async () => {
    const m = await mountWithSpeech();
    key(m.$('#title-attract'), 'F1');
    await flush();
    expect(visibleScreen(m.root)).toBe('screen-attract');
    expect(m.$('#btn-voice').getAttribute('aria-pressed')).toBe('true');
    expect(spoken(m)[0]).toContain('Guidage vocal activé');
    expect(document.activeElement?.id).toBe('btn-start');
  });

  it('turns on by touch too, without starting a signup; * turns it off again', async () => {
    const m = await mountWithSpeech();
    m.$('#btn-voice').dispatchEvent(new Event('pointerdown', { bubbles: true }));
    m.$('#btn-voice').click();
    await flush();
    expect(visibleScreen(m.root)).toBe('screen-attract');
    expect(m.$('#btn-voice').getAttribute('aria-pressed')).toBe('true');
    key(m.$('#btn-start'), '*');
    await flush();
    expect(m.$('#btn-voice').getAttribute('aria-pressed')).toBe('false');
    expect(m.count('speech_stop')).toBe(1);
  });

  it('speaks each screen’s title and instructions, then each control as it takes the focus, never what was typed', async () => {
    const m = await mountWithSpeech();
    key(m.$('#title-attract'), 'F1');
    key(m.$('#btn-start'), 'Enter');
    await flush();
    expect(visibleScreen(m.root)).toBe('screen-home');
    expect(spoken(m).at(-1)).toContain('Bienvenue sur le portail citoyen');
    m.$('#btn-new-user').click();
    await flush();
    expect(spoken(m).at(-1)).toContain('Obtention du mot de passe');
    type(m.$<HTMLInputElement>('#phone'), '5145550100');
    m.$('#phone').focus();
    const said = spoken(m).at(-1) ?? '';
    expect(said).toContain('Numéro de téléphone où vous joindre');
    expect(said).toContain('obligatoire');
    expect(said).not.toContain('5145550100');
    // The arrows go from one control to the next.
    key(m.$('#phone'), 'ArrowDown');
    expect(document.activeElement).not.toBe(m.$('#phone'));
    expect(spoken(m).length).toBeGreaterThan(3);
  });

  it('follows the language chosen', async () => {
    const m = await mountWithSpeech();
    key(m.$('#title-attract'), 'F1');
    m.$('#btn-lang').click();
    key(m.$('#btn-start'), 'Enter');
    await flush();
    const last = m.calls.filter((c) => c.cmd === 'speak').at(-1)?.args as { text: string; language: string };
    expect(last.language).toBe('en');
    expect(last.text).toContain('Welcome to the citizen portal');
  });

  it('is turned off by the wipe, for the next resident', async () => {
    const m = await mountWithSpeech();
    key(m.$('#title-attract'), 'F1');
    key(m.$('#btn-start'), 'Enter');
    await flush();
    await m.app.wipe();
    await flush();
    expect(m.$('#btn-voice').getAttribute('aria-pressed')).toBe('false');
    expect(m.count('speech_stop')).toBe(1);
    const before = spoken(m).length;
    m.$('#btn-start').click();
    await flush();
    expect(spoken(m).length).toBe(before);
  });
});
