// summarize.mjs: classifies a result file of http-cache-tests with the suite's own rules (lib/display.mjs
// determineTestResult: test kind required/optimal/check, dependencies honoured, setup and harness failures) and
// prints the counts as JSON. Usage: node summarize.mjs RESULTS.json --suite SUITE-DIR [--failures]
//   --suite DIR  the installed package (node_modules/http-cache-tests): its tests and lib/display.mjs are used
//   --failures   also list every test that did not pass, required first: id, kind, name, the suite's message.
//   --markdown   print a line of counts and a Markdown table of the required and optimal tests that did not pass.
//   --target NAME, --suite-version V   recorded in the summary.
import fs from 'fs'
import path from 'path'

const args = process.argv.slice(2)
const file = args[0]
const flags = args.slice(1)
const option = name => { const i = flags.indexOf(name); return i >= 0 ? flags[i + 1] : undefined }
if (!file || !option('--suite')) {
  console.error('usage: node summarize.mjs RESULTS.json --suite SUITE-DIR [--failures] [--target NAME] [--suite-version V]')
  process.exit(2)
}
const suiteDir = path.resolve(option('--suite'))
const { default: tests } = await import(path.join(suiteDir, 'tests', 'index.mjs'))
const { default: surrogate } = await import(path.join(suiteDir, 'tests', 'surrogate-control.mjs'))
const display = await import(path.join(suiteDir, 'lib', 'display.mjs'))
if (!tests.includes(surrogate)) tests.push(surrogate) // the CLI runs these too

const results = JSON.parse(fs.readFileSync(file, 'utf8'))

const counts = {}
const bump = (kind, outcome) => {
  counts[kind] = counts[kind] || { total: 0 }
  counts[kind].total++
  counts[kind][outcome] = (counts[kind][outcome] || 0) + 1
}
const outcomeOf = { '✅': 'passed', '⛔️': 'failed', '⚠️': 'failed', Y: 'yes', N: 'no', '🔹': 'setup_failed', '⁉️': 'harness_failed', '⚪️': 'dependency_failed', '↻': 'retried', '-': 'untested' }
const failures = []
for (const suite of tests) {
  for (const test of suite.tests) {
    if (test.browser_only === true) continue // the CLI (a proxy, not a browser cache) never runs these
    const kind = test.kind || 'required'
    const symbol = display.determineTestResult(tests, test.id, results)[2]
    const outcome = outcomeOf[symbol] || 'unknown'
    bump(kind, outcome)
    if (outcome !== 'passed' && outcome !== 'yes' && outcome !== 'no') {
      const r = results[test.id]
      failures.push({ id: test.id, kind, outcome, suite: suite.id, name: test.name, detail: Array.isArray(r) ? r.join(': ') : (r === undefined ? 'not run' : String(r)) })
    }
  }
}
const order = { required: 0, optimal: 1, check: 2 }
failures.sort((a, b) => (order[a.kind] - order[b.kind]) || a.id.localeCompare(b.id))
const summary = {
  target: option('--target') || path.basename(file, '.json'),
  suite: 'http-cache-tests ' + (option('--suite-version') || JSON.parse(fs.readFileSync(path.join(suiteDir, 'package.json'))).version),
  date: new Date().toISOString(),
  required: { total: counts.required.total, passed: counts.required.passed || 0, failed: counts.required.total - (counts.required.passed || 0), by_outcome: counts.required },
  optimal: { total: counts.optimal.total, passed: counts.optimal.passed || 0, failed: counts.optimal.total - (counts.optimal.passed || 0), by_outcome: counts.optimal },
  check: counts.check
}
if (flags.includes('--failures')) summary.failures = failures
if (flags.includes('--markdown')) {
  const cell = t => String(t).replace(/\|/g, '\\|').replace(/\n/g, ' ')
  console.log(`${summary.target}: required ${summary.required.passed} passed, ${summary.required.failed} failed (of ${summary.required.total}); optional ${summary.optimal.passed} passed, ${summary.optimal.failed} failed (of ${summary.optimal.total})\n`)
  console.log('| test | kind | outcome | what it checks | what the suite saw |')
  console.log('|---|---|---|---|---|')
  for (const f of failures) {
    if (f.kind === 'check') continue
    console.log(`| \`${f.id}\` | ${f.kind} | ${f.outcome.replace('_', ' ')} | ${cell(f.name)} | ${cell(f.detail)} |`)
  }
} else {
  console.log(JSON.stringify(summary, null, 2))
}
