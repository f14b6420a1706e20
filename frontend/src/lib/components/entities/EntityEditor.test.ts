import { afterEach, describe, expect, it, beforeAll } from 'vitest';
import { cleanup, render, fireEvent } from '@testing-library/svelte';
import { addMessages, init } from 'svelte-i18n';
import fr from '$lib/i18n/fr.json';
import EntityEditor from './EntityEditor.svelte';
import { fromPre, textOf, type EntitySpan } from '$lib/annotation/entities';

afterEach(cleanup);

beforeAll(() => {
	addMessages('fr', fr);
	init({ fallbackLocale: 'fr', initialLocale: 'fr' });
});

const text = '😀 M. Jean-Marc Dubois habite place Jean Jaurès à Lyon.';
const cp = (s: string) => Array.from(text.slice(0, text.indexOf(s))).length;
const at = (s: string) => ({ start: cp(s), end: cp(s) + Array.from(s).length });
const labels = ['PER', 'LOC', 'ORG'];

function setup() {
	const pre = [
		{ ...at('Jean-Marc Dubois'), label: 'PER', score: 0.9, source: 'gazetteer' },
		{ ...at('Jean Jaurès'), label: 'PER', score: 0.7, source: 'gazetteer' }
	];
	let spans: EntitySpan[] = fromPre(pre);
	const r = render(EntityEditor, {
		props: {
			text,
			labels,
			label: 'Passage',
			get spans() {
				return spans;
			},
			set spans(v: EntitySpan[]) {
				spans = v;
			}
		}
	});
	const box = r.getByTestId('entity-passage');
	const key = (k: string, shiftKey = false) => fireEvent.keyDown(box, { key: k, shiftKey });
	return { r, box, key, spans: () => spans };
}

describe('EntityEditor keyboard', () => {
	it('selects a proposal with →, accepts it with Enter, deletes another with Delete, labels words with a key', async () => {
		const { r, key, spans } = setup();
		await key('Home'); // "M"
		await key('ArrowRight'); // onto the proposal: the whole span is selected
		expect(r.getByTestId('entity-passage-announce').textContent).toContain('« Jean-Marc Dubois » : Personne.');
		await key('Enter');
		expect(spans()[0]).toMatchObject({ ...at('Jean-Marc Dubois'), pending: false, origin: 'model' });
		await key('ArrowRight'); // habite
		await key('ArrowRight'); // place
		await key('ArrowRight'); // Jean Jaurès (proposal)
		await key('Delete');
		expect(spans().map((s) => textOf(text, s))).toEqual(['Jean-Marc Dubois']);
		await key('ArrowRight'); // à
		await key('ArrowRight'); // Lyon
		await key('2');
		expect(spans().map((s) => [textOf(text, s), s.label, s.origin])).toEqual([
			['Jean-Marc Dubois', 'PER', 'model'],
			['Lyon', 'LOC', 'human']
		]);
	});

	it('extends a selection with Shift+→ over several words and relabels a span', async () => {
		const { key, spans } = setup();
		await key('End'); // Lyon
		await key('ArrowLeft'); // à
		await key('ArrowLeft'); // Jean Jaurès: selected, caret on its first word
		await key('ArrowLeft'); // place
		await key('ArrowRight', true); // place Jean
		await key('ArrowRight', true); // place Jean Jaurès
		await key('3');
		expect(spans().map((s) => [textOf(text, s), s.label, s.pending])).toEqual([
			['Jean-Marc Dubois', 'PER', true],
			['place Jean Jaurès', 'ORG', false]
		]);
		await key('Escape');
		await key('Home');
		await key('ArrowRight');
		await key('2'); // relabel the proposal: accepted as LOC
		expect(spans()[0]).toMatchObject({ label: 'LOC', pending: false });
	});
});
