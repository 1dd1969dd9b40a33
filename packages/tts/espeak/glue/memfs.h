/*
 * riff: a read-only in-memory file layer for espeak-ng in a standalone WebAssembly module (no
 * Emscripten JS runtime, so no file system). Force-included (-include) into every espeak-ng source
 * file: its fopen, stat, opendir, readdir and closedir calls then read the files of the data pack
 * that riff_espeak_init() was given (see memfs.c).
 */
#ifndef RIFF_MEMFS_H
#define RIFF_MEMFS_H

#include <stddef.h>
#include <stdio.h>
#include <sys/stat.h>
#include <dirent.h>

int riff_memfs_mount(const unsigned char *pack, size_t size);
FILE *riff_fopen(const char *path, const char *mode);
int riff_stat(const char *path, struct stat *st);
DIR *riff_opendir(const char *path);
struct dirent *riff_readdir(DIR *dir);
int riff_closedir(DIR *dir);

#ifndef RIFF_MEMFS_IMPLEMENTATION
#define fopen riff_fopen
#define stat(path, st) riff_stat(path, st)
#define opendir riff_opendir
#define readdir riff_readdir
#define closedir riff_closedir
#endif

#endif
