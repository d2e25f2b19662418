// The timing harness the exercise tests import: `import { SimulatedIo, ... } from '../../checker/harness/index.ts'`.
export { KataError, fail, ms } from './explain.ts';
export { Timeline, drawTimeline, peakOverlap, ranOneAfterAnother, type Interval } from './timeline.ts';
export { InFlightCounter } from './in-flight.ts';
export { SimulatedIo, type IoCallOptions } from './io.ts';
export { startEventLoopProbe, probeWhile, type EventLoopReport } from './event-loop.ts';
export { cpuWork, unitsFor, ITERATIONS_PER_UNIT } from './cpu.ts';
export { expectOrder } from './order.ts';
export { track, advance, useFakeClock, pendingTimers, type Tracked } from './fake-time.ts';
export { expectJoined, describeError } from './joined.ts';
export { collectUnhandledRejections } from './unhandled.ts';
export { watchWorkers, type WorkerWatch, type WatchedWorker } from './workers.ts';
export { flushMicrotasks } from './microtasks.ts';
export { ThreadProbe, waitForSignal, epochNow, type ProbeStep, type ProbeRequest, type ProbeReport, type StepReport, type ProbeOutcome } from './thread-probe.ts';
export { WORK_CHANNEL, WorkLog, drawWork, listenToWork, peakConcurrency, reportWork, reported, threadCpuMs, threadsOf, toIntervals, wallClock, type SpanFilter, type WorkSpan } from './work-log.ts';
export { BareThreads, describeCriticalPath, describeSpeedup, judgeCriticalPath, judgeSpeedup, measureRun, parallelThreads, timed, tsxExecArgv, type Attempt, type CpuRun, type CriticalAttempt, type CriticalPathOptions, type CriticalPathVerdict, type JudgeOptions, type Speedup, type SpeedupVerdict } from './parallel.ts';
export { DECLARED_SKIPS, judgeSkip, skipFor, type DeclaredSkip, type SkipVerdict } from './declared-skips.ts';
// Threads: when pieces overlapped, races that show every time, what the code did with Atomics, raw workers on .ts files.
export { THREAD_CLOCK_ENV, type EndWork } from './work-log.ts';
export { type WatchedPort } from './workers.ts';
export { judgeParallelism, parallelMistake, piecesOf, type ParallelAttempt, type ParallelOptions, type ParallelVerdict } from './parallel.ts';
export { overlapOf, type Overlap } from './overlap.ts';
export { READ_MODIFY_WRITE, addAtomics, listAtomics, readModifyWrites, type AtomicsCounts } from './atomics-census.ts';
export { GATED_LABEL, GatedPool, atomicsOf, metAtGate } from './gated-pool.ts';
export { describeRace, judgeRace, type RaceAttempt, type RaceOptions, type RaceRun, type RaceVerdict } from './race.ts';
export { startWorker } from './ts-worker.ts';
