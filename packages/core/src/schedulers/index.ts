export * from "./scheduler.js";
export { BaseScheduler } from "./base.js";
export { betasForAlphaBar, rescaleZeroTerminalSnr, makeBetas, alphasCumprod } from "./betas.js";
export { CLASS_DEFAULTS, SCHEDULER_CLASSES, checkSteps, resolveConfig, type SchedulerClassName } from "./config.js";
export { DDPMScheduler, type DDPMVarianceType } from "./ddpm.js";
export { DDIMScheduler, type DDIMStepOptions } from "./ddim.js";
export { PNDMScheduler } from "./pndm.js";
export { EulerDiscreteScheduler, SigmaScheduler, eulerSchedule } from "./euler.js";
export { EulerAncestralDiscreteScheduler } from "./euler-ancestral.js";
export { DPMSolverMultistepScheduler } from "./dpm-solver.js";
export { karrasSigmas, sigmaToT, trainSigmas } from "./sigmas.js";
export { spacedTimesteps, dpmTimesteps } from "./spacing.js";
export { vpConversion, veToX0, type Linear } from "./prediction.js";
export {
  SCHEDULER_NAMES,
  createScheduler,
  schedulerClassFor,
  schedulerFromConfig,
  type AnyScheduler,
  type CreateSchedulerOptions,
} from "./create.js";
