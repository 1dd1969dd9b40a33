export { cardinal, ordinal, ordinalize, year, decimal, digitWords, pluralize, signedCardinal } from "./text/numbers.js";
export {
  normalizeText,
  normalizeTypography,
  expandAbbreviations,
  expandCurrency,
  expandTimes,
  expandPercents,
  expandOrdinals,
  expandYears,
  expandNumbers,
  expandSymbols,
  tidy,
} from "./text/normalize.js";
export { ABBREVIATIONS, type Abbreviation } from "./text/abbreviations.js";
export { readableText, hasWords, type ReadableText } from "./text/readable.js";
export { splitSentences, type SplitOptions } from "./text/sentences.js";
export { expandDates, dateWords, monthNumber, MONTHS } from "./text/dates.js";
export { expandUnits } from "./text/units.js";
export { expandRomanNumerals, romanValue } from "./text/roman.js";
export { expandAddresses, expandPhoneNumbers, addressWords, telephoneWords } from "./text/contacts.js";
export { parseSsml, breakSeconds, rateValue } from "./ssml/parse.js";
export { sayAs, SAY_AS, type SayAs } from "./ssml/say-as.js";
export { plainUtterances, type Utterance, type Fragment } from "./ssml/utterance.js";
export { phonemizeSentence, espeakPhonemize, espeakLanguages, bundledEspeakLanguages, useSystemEspeak, warmUpEspeak, startEspeak, type PhonemizeFunction, type PhonemizeOptions } from "./text/phonemize.js";
export { phonemesToIds, BOS, EOS, PAD, type PhonemeIdMap, type PhonemeIds, type PhonemeIdOptions } from "./text/phoneme-ids.js";
export { RealFft, type FloatArray } from "./dsp/fft.js";
export { Stft, hannWindow, magnitude, type StftConfig, type Spectrogram } from "./dsp/stft.js";
export {
  slaneyMelFilterbank,
  filterbankFromRows,
  applyFilterbank,
  pseudoInverse,
  melToLinear,
  hzToMel,
  melToHz,
  type MelFilterbank,
  type MelConfig,
} from "./dsp/mel.js";
export { griffinLim, type GriffinLimOptions } from "./dsp/griffin-lim.js";
export { LoudnessControl, rms, toInt16, type GainOptions, type SentenceLevel } from "./audio/gain.js";
export { activeLevelDb, activeRms, framePowers, gainToTarget, ACTIVE_FLOOR_DB, LOUDNESS_FRAME_SECONDS } from "./audio/loudness.js";
export { WavStreamWriter, type WavWriterOptions, type WavResult } from "./audio/wav-writer.js";
export { wavHeader, pcmBytes, MAX_WAV_DATA_BYTES, type WavInfo } from "./audio/wav-bytes.js";
export { resolveSpeaker, type Voice, type EncodedSentence, type SynthesisOptions, type PrepareOptions, type PreparedSentence, type SentenceAudio } from "./voice.js";
export { PiperVoice, type PiperLoadOptions } from "./piper/voice.js";
export { resolvePiperFiles, loadPiperConfig, parsePiperConfig, type PiperConfig, type PiperFiles } from "./piper/config.js";
export { planSpeech, type SpeechPlan, type PlannedSentence } from "./speech-plan.js";
export { speak, speakPlanned, hasSpeakableText, type SpeakOptions, type SpeechChunk, type SpeakSummary, type DropReport } from "./speak.js";
export { wavSpeech, speechWavInfo, MAX_PLANNED_CHARS, type WavSpeech } from "./speech-wav.js";
export { speakToFile, type SpeakToFileOptions, type SpeakToFileResult } from "./speak-to-file.js";
export { loadVoice, type LoadVoiceOptions } from "./load-voice.js";
export { ArMelVoice, type ArMelLoadOptions, type MelResult } from "./ar-mel/voice.js";
export { loadArMelConfig, AR_MEL_MODEL_TYPE, type ArMelConfig, type VocoderConfig } from "./ar-mel/config.js";
export { clausesToSymbols, symbolsToIds, durationsFromLog } from "./ar-mel/tokens.js";
export { MelStepModel, type MelLoopState, type MelPrediction, type MelChoice, type DecoderStep, type MelStepModelOptions } from "./ar-mel/step-model.js";
export { GriffinLimVocoder, StreamingMelVocoder, type GriffinLimVocoderConfig, type StreamingMelVocoderConfig, type MelVocoderStream } from "./ar-mel/vocoder.js";
export { MelInverse } from "./dsp/mel-inverse.js";
export { melFramePowers } from "./ar-mel/mel-level.js";
export { PhaseGradientIntegrator } from "./dsp/pghi.js";
export { GriffinLimWorkspace, StreamingGriffinLim, type StreamingGriffinLimOptions } from "./dsp/streaming-griffin-lim.js";
export { spectralConvergence } from "./dsp/quality.js";
export { SPEECH_OPTIONS, MAX_SPEECH_CHARS, speechOptionsSchema, speechToFileOptionsSchema, voiceLoadOptionsSchema, type SpeakOptionsInput } from "./speech-options.js";
