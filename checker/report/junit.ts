// `verify --junit FILE`: the verdict as JUnit XML, the format CI servers and test viewers read
// (Jenkins, GitLab, Azure DevOps, the JUnit report actions on GitHub). One <testsuite> per exercise,
// one <testcase> per test; the graded step is in the classname and in a property, the points in
// the suite's properties (JUnit has no notion of points; the totals are those of grade.ts).
import { XMLBuilder } from 'fast-xml-parser';
import { explainTampered } from '../grading/integrity.ts';
import type { ExerciseReport, TestReport } from '../grading/grade.ts';
import { firstLine, printable, truncate } from './text.ts';

/** Long enough for any teaching message with its drawing; short enough for a CI page. */
const MAX_MESSAGE = 8_000;

type XmlNode = Record<string, unknown>;

export function toJunitXml(reports: readonly ExerciseReport[], target = 'exercises'): string {
  const suites = reports.map((report) => testSuite(report, target));
  const sum = (key: string) => suites.reduce((total, suite) => total + Number(suite[`@_${key}`]), 0);
  const document = {
    '?xml': { '@_version': '1.0', '@_encoding': 'UTF-8' },
    testsuites: {
      '@_name': target === 'exercises' ? 'concurrency-kata' : `concurrency-kata (graded: ${target}, not the learner's files)`,
      '@_tests': sum('tests'),
      '@_failures': sum('failures'),
      '@_errors': sum('errors'),
      '@_skipped': sum('skipped'),
      '@_time': seconds(reports.flatMap((report) => report.tests).reduce((total, test) => total + test.durationMs, 0)),
      testsuite: suites,
    },
  };
  // The builder escapes & < > " ' in text and attributes; characters XML 1.0 forbids outright
  // (terminal control codes a test might print) cannot be escaped: printable() removes them.
  const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@_', format: true, suppressEmptyNode: true });
  return builder.build(document);
}

function testSuite(report: ExerciseReport, target: string): XmlNode {
  const cases = report.tests.map((test) => testCase(report, test));
  if (report.status === 'error') {
    cases.push({
      '@_name': 'the test file loads and runs',
      '@_classname': report.id,
      '@_time': '0.000',
      error: failureNode(report.error ?? 'could not be tested', 'LoadError'),
    });
  }
  if (report.status === 'tampered') {
    cases.push({
      '@_name': "the tests, metadata and checker are the kata's own",
      '@_classname': report.id,
      '@_time': '0.000',
      failure: failureNode(explainTampered(report.tampered ?? []), 'Tampered'),
    });
  }
  const count = (tag: string) => cases.filter((node) => tag in node).length;
  const properties = [
    ['target', target],
    ['status', report.status],
    ['points', String(report.points)],
    ['maxPoints', String(report.maxPoints)],
    ...report.steps.map((step) => [`step ${step.step}`, `${step.points}/${step.maxPoints} ${step.status}: ${step.title}`]),
    ...(report.tampered ?? []).map((file) => [`tampered`, `${file.change} ${file.file}`]),
  ];
  return {
    '@_name': `${report.id}: ${printable(report.title)}`,
    '@_tests': cases.length,
    '@_failures': count('failure'),
    '@_errors': count('error'),
    '@_skipped': count('skipped'),
    '@_time': seconds(report.tests.reduce((total, test) => total + test.durationMs, 0)),
    properties: { property: properties.map(([name, value]) => ({ '@_name': name, '@_value': printable(value ?? '') })) },
    testcase: cases,
  };
}

function testCase(report: ExerciseReport, test: TestReport): XmlNode {
  const step = report.steps.find((candidate) => candidate.step === test.step);
  const node: XmlNode = {
    '@_name': printable(test.name),
    '@_classname': step ? `${report.id} › step ${step.step}: ${printable(step.title)}` : report.id,
    '@_time': seconds(test.durationMs),
  };
  if (test.location) {
    node['@_file'] = test.location.file;
    node['@_line'] = test.location.line;
  }
  if (test.step !== null) node.properties = { property: [{ '@_name': 'step', '@_value': test.step }] };
  if (test.status === 'failed') node.failure = failureNode(test.message || 'failed', 'AssertionError');
  // It did not run and pass, so its step earns nothing: a failure, of its own kind.
  if (test.status === 'not run') node.failure = failureNode(test.message || 'did not run', 'NotRun');
  if (test.status === 'skipped') node.skipped = { '@_message': printable(truncate(firstLine(test.message), 500)) };
  return node;
}

function failureNode(message: string, type: string): XmlNode {
  const text = printable(truncate(message, MAX_MESSAGE));
  return { '@_message': truncate(firstLine(text), 500), '@_type': type, '#text': text };
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(3);
}
