// Reading the reports back in tests: the JUnit document through an independent XML parser, and the
// points each format claims, so tests can check they agree.
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { expect } from 'vitest';
import type { ClassroomResult } from '../../checker/report/classroom.ts';

/** The JUnit document as a tree, parsed by an independent reader that keeps every character. */
export function parseJunit(xml: string): JunitDocument {
  expect(XMLValidator.validate(xml)).toBe(true);
  // XML 1.0 cannot carry these even escaped: a strict parser (xmllint, Java) rejects the file.
  // eslint-disable-next-line no-control-regex -- looking for the forbidden control characters is the point
  expect(xml).not.toMatch(/[\u0000-\u0008\u000B\u000C\u000E-\u001F]/);
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '',
    trimValues: false,
    parseAttributeValue: false,
    parseTagValue: false,
    isArray: (name) => ['testsuite', 'testcase', 'property'].includes(name),
  });
  return parser.parse(xml) as JunitDocument;
}

interface JunitCase {
  name: string;
  classname: string;
  time: string;
  file?: string;
  line?: string;
  failure?: { message: string; type: string; '#text': string };
  error?: { message: string; type: string; '#text': string };
  skipped?: { message: string };
}

interface JunitSuite {
  name: string;
  tests: string;
  failures: string;
  errors: string;
  skipped: string;
  time: string;
  properties: { property: Array<{ name: string; value: string }> };
  testcase: JunitCase[];
}

interface JunitDocument {
  testsuites: { name: string; tests: string; failures: string; errors: string; skipped: string; testsuite: JunitSuite[] };
}

export function junitPoints(document: JunitDocument): { points: number; maxPoints: number } {
  const property = (suite: JunitSuite, name: string) => Number(suite.properties.property.find((p) => p.name === name)?.value);
  return {
    points: document.testsuites.testsuite.reduce((sum, suite) => sum + property(suite, 'points'), 0),
    maxPoints: document.testsuites.testsuite.reduce((sum, suite) => sum + property(suite, 'maxPoints'), 0),
  };
}

export function classroomPoints(result: ClassroomResult): { points: number; maxPoints: number } {
  // What GitHub Classroom records: the sum of the tests' scores, out of max_score.
  return { points: result.tests.reduce((sum, test) => sum + test.score, 0), maxPoints: result.max_score };
}
