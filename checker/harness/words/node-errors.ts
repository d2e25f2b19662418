// Node's own words for a handful of mistakes this kata's lessons are about ("Found invalid object in
// transferList") name the rule broken, not the learner's mistake. When one of them reaches a verdict
// unexplained, the checker adds what it means here, in the lessons' words.

interface Explained {
  /** Node's message (any of its versions' wordings). */
  says: RegExp;
  means: string;
}

const EXPLAINED: readonly Explained[] = [
  {
    says: /Found invalid object in transferList/,
    means:
      'Node says this when `transferList` holds something it cannot move. It moves ArrayBuffers (and MessagePorts): not a typed array, which is only a view of one (list its `.buffer`, as in `transferList: [image.data.buffer]`), and not a SharedArrayBuffer, which both threads share and nothing moves.',
  },
  {
    says: /ArrayBuffer is detached and could not be cloned|on a detached ArrayBuffer|detached ArrayBuffer/,
    means:
      'This buffer was moved (transferred) to another thread before: its memory went with it, and what is left here is empty (byteLength 0). Use what the other thread sends back, or keep a copy before you move it if you still need it.',
  },
  {
    says: /could not be cloned/,
    means:
      'Only data crosses to another thread, as a copy (the structured clone): a function, a promise, or an object that holds one cannot be copied. Send plain data (numbers, strings, arrays, plain objects, typed arrays) and do the rest on the other side.',
  },
  {
    says: /Cannot (?:set|write) headers after they are sent/,
    means:
      'Your code answered this request twice: once its status and headers are sent, they cannot be sent again. Two paths both answer (a deadline and the work itself, or a `catch` after the answer was written): let only the first answer (`res.headersSent` says whether one has).',
  },
  {
    says: /write after end/,
    means:
      'Your code wrote to a response (or a stream) after it had ended it: two paths both answer, or one keeps writing after `end()`. Let only one path answer, and end it once.',
  },
];

/** What Node's error message means, in the kata's words; undefined when it is not one the kata explains. */
export function explainNodeError(message: string): string | undefined {
  const found = EXPLAINED.find(({ says }) => says.test(message));
  return found && !message.includes(found.means) ? found.means : undefined;
}
