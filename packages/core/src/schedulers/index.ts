export * from "./scheduler.js";
export { BaseScheduler } from "./base.js";
export { betasForAlphaBar, rescaleZeroTerminalSnr, makeBetas, alphasCumprod } from "./betas.js";
export { COMMON_DEFAULTS, checkSteps, resolveConfig } from "./config.js";
export { DDPMScheduler, type DDPMVarianceType } from "./ddpm.js";
export { DDIMScheduler, type DDIMStepOptions } from "./ddim.js";
export { PNDMScheduler } from "./pndm.js";
export { EulerDiscreteScheduler, SigmaScheduler, eulerSchedule } from "./euler.js";
export { EulerAncestralDiscreteScheduler } from "./euler-ancestral.js";
export { DPMSolverMultistepScheduler } from "./dpm-solver.js";
export { LCMScheduler } from "./lcm.js";
export { karrasSigmas, sigmaToT, trainSigmas } from "./sigmas.js";
export { spacedTimesteps, dpmTimesteps } from "./spacing.js";
export { vpConversion, veToX0, type Linear } from "./prediction.js";
export { createScheduler, schedulerFromConfig, type CreateSchedulerOptions } from "./create.js";
export {
  CLASS_DEFAULTS,
  SCHEDULERS,
  SCHEDULER_CLASSES,
  SCHEDULER_NAMES,
  findScheduler,
  schedulerClassFor,
  schedulerEntry,
  supportedSchedulers,
  type AnyScheduler,
  type RegisteredScheduler,
  type SchedulerClassName,
  type SchedulerConstructor,
  type SchedulerEntry,
  type SchedulerName,
} from "./registry.js";
