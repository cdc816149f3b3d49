//! axe-core (WCAG 2.1 A/AA) on the page a WebDriver session shows: shared
//! by the kiosk's end-to-end test and the console's browser test, each of
//! which loads axe into its page first.

use anyhow::Result;
use fantoccini::Client;

/// `rule (impact) on selectors`, one per violation; a run where no rule
/// passed, or axe failing, is reported as a violation too (nothing was
/// audited).
pub async fn violations(c: &Client) -> Result<Vec<String>> {
    let found = c
        .execute_async(
            "const done = arguments[arguments.length - 1];
             axe.run(document, { runOnly: { type: 'tag',
                 values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } })
               .then(r => done(r.passes.length === 0 ? ['no rule passed: nothing audited']
                   : r.violations.map(v => v.id + ' (' + v.impact + ') on '
                   + v.nodes.map(n => n.target.join(' ')).slice(0, 4).join(', '))),
                     e => done(['axe failed: ' + e]));",
            vec![],
        )
        .await?;
    Ok(found
        .as_array()
        .into_iter()
        .flatten()
        .map(|v| v.as_str().unwrap_or_default().to_owned())
        .collect())
}
