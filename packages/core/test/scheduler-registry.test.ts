/** The scheduler table: its columns agree with each other and with what createScheduler builds. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { RiffError } from "../src/errors.js";
import {
  CLASS_DEFAULTS,
  SCHEDULERS,
  SCHEDULER_CLASSES,
  SCHEDULER_NAMES,
  createScheduler,
  findScheduler,
  schedulerClassFor,
  schedulerEntry,
} from "../src/schedulers/index.js";

const distinct = (values: readonly string[]): boolean => new Set(values).size === values.length;

describe("scheduler registry", () => {
  it("names, aliases, class names and labels are distinct and well formed", () => {
    assert.deepEqual([...SCHEDULER_NAMES], ["ddpm", "ddim", "euler", "euler-a", "dpm++", "pndm", "lcm"]);
    assert.deepEqual(
      SCHEDULER_NAMES.map((n) => schedulerClassFor(n)),
      [...SCHEDULER_CLASSES],
    );
    const shortNames = SCHEDULERS.flatMap((s) => [s.name, ...s.aliases]);
    assert.ok(distinct(shortNames), `short names repeat: ${shortNames.join(", ")}`);
    assert.ok(distinct(SCHEDULER_CLASSES), "class names repeat");
    assert.ok(distinct(SCHEDULERS.map((s) => s.label)), "labels repeat");
    for (const s of SCHEDULERS) {
      for (const short of [s.name, ...s.aliases]) assert.equal(short, short.toLowerCase(), `${short} is not lower case`);
      assert.match(s.className, /Scheduler$/);
      assert.ok(!s.label.endsWith("Karras"), `${s.label}: "Karras" is appended, not registered`);
      assert.ok(s.defaultSteps === "train" || (Number.isInteger(s.defaultSteps) && s.defaultSteps > 0), `${s.name} default steps`);
      // Karras support and the class's own use_karras_sigmas default go together.
      assert.equal("use_karras_sigmas" in s.create.defaults, s.karras, `${s.name}: karras vs its defaults`);
      assert.equal(CLASS_DEFAULTS[s.className], s.create.defaults);
    }
    assert.deepEqual(Object.keys(CLASS_DEFAULTS).sort(), [...SCHEDULER_CLASSES].sort());
  });

  it("every name, alias and class name round-trips through create to its row's class and label", () => {
    for (const s of SCHEDULERS) {
      for (const name of [s.name, ...s.aliases, s.className, s.name.toUpperCase()]) {
        const scheduler = createScheduler(name);
        assert.ok(scheduler instanceof s.create, `${name} builds ${s.className}`);
        assert.equal(scheduler.className, s.className, name);
        assert.equal(findScheduler(scheduler.className)?.label, s.label, name);
        assert.equal(schedulerEntry(name), s);
      }
      // From a scheduler_config.json, by _class_name.
      assert.equal(createScheduler({ _class_name: s.className }).className, s.className);
    }
  });

  it("Karras sigmas are accepted exactly by the rows that register them", () => {
    for (const s of SCHEDULERS) {
      if (s.karras) {
        assert.equal(createScheduler(s.name, {}, { karras: true }).config.use_karras_sigmas, true, s.name);
      } else {
        assert.throws(
          () => createScheduler(s.name, {}, { karras: true }),
          (e: unknown) => e instanceof RiffError && e.option === "karras" && SCHEDULERS.filter((r) => r.karras).every((r) => e.message.includes(r.className)),
          s.name,
        );
      }
    }
  });

  it("an unknown name is a RiffError listing every registered name and class", () => {
    assert.equal(findScheduler("heun"), undefined);
    for (const bad of ["heun", "LMSDiscreteScheduler", "eulerdiscretescheduler", ""]) {
      assert.throws(
        () => createScheduler(bad),
        (e: unknown) =>
          e instanceof RiffError &&
          e.option === "scheduler" &&
          e.message.includes(`"${bad}"`) &&
          SCHEDULERS.every((s) => [s.name, ...s.aliases, s.className].every((n) => e.message.includes(n))),
        bad,
      );
    }
  });
});
