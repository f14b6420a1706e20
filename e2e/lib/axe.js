// Accessibility check with axe-core at WCAG 2.1 AA.
import { AxeBuilder } from '@axe-core/playwright';

/** Fails with a readable list when axe finds any violation. */
export async function expectNoA11yViolations(page, label) {
	const result = await new AxeBuilder({ page })
		.withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
		.analyze();
	if (result.violations.length > 0) {
		const lines = result.violations.map(
			(v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`
		);
		throw new Error(`axe found ${result.violations.length} violation(s) on ${label}:\n` + lines.join('\n'));
	}
}
