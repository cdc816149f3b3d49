// The town's title from its configured designation, in French (with « de » elided or contracted) and English.
import { clearMocks } from '@tauri-apps/api/mocks';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TownDesignation } from './bindings';
import { setLanguage, t } from './i18n';
import { INFO, labelText, mount } from './test-helpers';
import { deTown, townTitle } from './town';

beforeEach(() => {
  setLanguage('fr');
});
afterEach(() => {
  clearMocks();
});

describe('« de » before the town', () => {
  it.each([
    ['Mille-Isles', 'de Mille-Isles'],
    ['Alma', 'd’Alma'],
    ['Ivry-sur-le-Lac', 'd’Ivry-sur-le-Lac'],
    ['Otterburn Park', 'd’Otterburn Park'],
    ['Ulverton', 'd’Ulverton'],
    ['Les Éboulements', 'des Éboulements'],
    ['Les Cèdres', 'des Cèdres'],
    ['Le Bic', 'du Bic'],
    ['La Pêche', 'de La Pêche'],
    ['L’Isle-Verte', 'de L’Isle-Verte'],
    ['Lac-Beauport', 'de Lac-Beauport'],
    ['Leclercville', 'de Leclercville'],
    ['Hampstead', 'de Hampstead'],
    ['Yamaska', 'de Yamaska'],
  ])('%s → %s', (town, expected) => {
    expect(deTown(town)).toBe(expected);
  });
});

describe('the title', () => {
  const cases: [TownDesignation, string, string, string][] = [
    ['ville', 'Alma', 'Ville d’Alma', 'Town of Alma'],
    ['municipalite', 'Ivry-sur-le-Lac', 'Municipalité d’Ivry-sur-le-Lac', 'Municipality of Ivry-sur-le-Lac'],
    ['paroisse', 'Saint-Louis-de-Gonzague', 'Paroisse de Saint-Louis-de-Gonzague', 'Parish of Saint-Louis-de-Gonzague'],
    ['canton', 'Hatley', 'Canton de Hatley', 'Township of Hatley'],
    ['cantons_unis', 'Latulipe-et-Gaboury', 'Cantons unis de Latulipe-et-Gaboury', 'United Townships of Latulipe-et-Gaboury'],
    ['village', 'Ayer’s Cliff', 'Village d’Ayer’s Cliff', 'Village of Ayer’s Cliff'],
  ];
  it.each(cases)('%s: %s', (designation, town, french, english) => {
    const title = townTitle({ town_designation: designation, town_name: town });
    expect(t(title.key, title.args, 'fr')).toBe(french);
    expect(t(title.key, title.args, 'en')).toBe(english);
  });

  it('is what the header and the attract screen show, in the language of the moment', async () => {
    const m = await mount(undefined, { ...INFO, town_designation: 'municipalite', town_name: 'Ivry-sur-le-Lac' });
    expect(m.$('#town-name').textContent).toBe('Municipalité d’Ivry-sur-le-Lac');
    expect(m.$('#title-attract').textContent).toBe('Municipalité d’Ivry-sur-le-Lac');
    expect(m.$('#attract-pitch').textContent).toContain('alertes d’urgence d’Ivry-sur-le-Lac\u00a0:');
    m.app.buildAll();
    expect(labelText(m.root, 'newsletter')).toBe('Info Lettre d’Ivry-sur-le-Lac');
    m.$('#btn-lang').click();
    expect(m.$('#town-name').textContent).toBe('Municipality of Ivry-sur-le-Lac');
    expect(m.$('#title-attract').textContent).toBe('Municipality of Ivry-sur-le-Lac');
    expect(labelText(m.root, 'newsletter')).toBe('Ivry-sur-le-Lac newsletter');
  });
});
