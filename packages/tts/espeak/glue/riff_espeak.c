/*
 * riff: the exported functions of espeak-ng.wasm (see ../README.md).
 *
 * Phonemes are made the way phonemizer 1.2.1 (espeak-ng's emscripten/espeakng_glue.cpp, synth_ipa_)
 * makes them: espeak_Synth with a phoneme trace (espeakPHONEMES_IPA) written to a file, one line
 * per clause. (That glue also puts ' ' in the separator bits, but phonemizer's output has no
 * separators, and espeak-ng 1.52 would use them, so its build evidently did not: IPA alone here.)
 *
 * Here the trace goes to a memory stream, and the audio is never rendered: speech.c is compiled
 * with WavegenFill renamed to riff_wavegen_fill, which drops the queued wave commands instead of
 * turning them into samples. Everything that decides phonemes
 * (espeak_Synth's clause loop, TranslateClause, MakePhonemeList, Generate) runs as it does there.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <espeak-ng/espeak_ng.h>
#include <espeak-ng/speak_lib.h>

#include "memfs.h"
#include "phoneme.h"
#include "voice.h"
#include "synthesize.h" /* wcmdq, N_WCMDQ, WCMD_VOICE */
#include "wavegen.h"    /* WcmdqStop */

#define EXPORT(name) __attribute__((export_name(#name)))

/* Called by Synthesize() (speech.c) where it would render the queued commands into samples. */
int riff_wavegen_fill(void) {
	/* A voice change queues a malloc'd copy of the voice that WavegenFill would free. */
	for (int i = wcmdq_head; i != wcmdq_tail; i = (i + 1) % N_WCMDQ)
		if (wcmdq[i][0] == WCMD_VOICE)
			free((void *)wcmdq[i][2]);
	WcmdqStop();
	return 0;
}

EXPORT(riff_alloc) void *riff_alloc(size_t size) { return malloc(size); }
EXPORT(riff_free) void riff_free(void *pointer) { free(pointer); }

/*
 * Mounts the data pack (which must stay in memory) and initializes espeak-ng as phonemizer's
 * worker does. Returns the sample rate (22050), or a negative number on failure.
 */
EXPORT(riff_espeak_init) int riff_espeak_init(const unsigned char *pack, size_t size) {
	if (riff_memfs_mount(pack, size) != 0)
		return -1;
	int rate = espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, 100, "/espeak-ng-data", espeakINITIALIZE_DONT_EXIT);
	if (rate != 22050)
		return -2;
	espeak_ListVoices(NULL);
	return rate;
}

/*
 * Selects the voice `name` (a voice file or identifier, "en-us", "gmw/en-US"), else the best voice
 * for the language `name` ("en-gb", which no voice file is called), as the espeak-ng program's -v
 * does. 0 (EE_OK) when a voice was selected.
 *
 * phonemizer called espeak_SetVoiceByName alone and ignored its failure, so a language name like
 * "en-gb" kept whatever voice was selected before (in a fresh process, espeak's default "en", the
 * voice the fallback here picks for "en-gb").
 */
EXPORT(riff_espeak_set_voice) int riff_espeak_set_voice(const char *name) {
	int status = espeak_SetVoiceByName(name);
	if (status != EE_OK) {
		espeak_VOICE properties = {0};
		properties.languages = name;
		status = espeak_SetVoiceByProperties(&properties);
	}
	return status;
}

static char *trace;
static size_t trace_size;

/*
 * `text` (UTF-8) → espeak's IPA trace, one clause a line (NUL-terminated; its length is
 * riff_espeak_output_size()), or NULL when the trace could not be made.
 */
EXPORT(riff_espeak_phonemize) const char *riff_espeak_phonemize(const char *text) {
	free(trace);
	trace = NULL;
	trace_size = 0;
	FILE *out = open_memstream(&trace, &trace_size);
	if (out == NULL)
		return NULL;
	espeak_SetSynthCallback(NULL);
	espeak_SetPhonemeTrace(espeakPHONEMES_IPA, out);
	espeak_Synth(text, 0, 0, POS_CHARACTER, 0, 0, NULL, NULL);
	espeak_SetPhonemeTrace(0, NULL);
	fclose(out);
	return trace;
}

EXPORT(riff_espeak_output_size) size_t riff_espeak_output_size(void) { return trace_size; }

/*
 * The voices espeak_ListVoices(NULL) lists, as text: one voice a line,
 * "identifier\tname\tpriority:language,priority:language…". NUL-terminated; free with riff_free.
 */
EXPORT(riff_espeak_list_voices) char *riff_espeak_list_voices(void) {
	char *text = NULL;
	size_t size = 0;
	FILE *out = open_memstream(&text, &size);
	if (out == NULL)
		return NULL;
	for (const espeak_VOICE **voice = espeak_ListVoices(NULL); *voice != NULL; voice++) {
		fprintf(out, "%s\t%s\t", (*voice)->identifier, (*voice)->name);
		const char *languages = (*voice)->languages;
		for (int first = 1; *languages != 0; first = 0) {
			int priority = (unsigned char)*languages++;
			fprintf(out, "%s%d:%s", first ? "" : ",", priority, languages);
			while (*languages++ != 0) {}
		}
		fputc('\n', out);
	}
	fclose(out);
	return text;
}
