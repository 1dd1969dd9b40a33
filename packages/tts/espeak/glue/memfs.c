/*
 * riff: the in-memory file layer behind memfs.h. The pack (built by pack-data.mjs) is
 *
 *   "RIFFESPK" u32:count { u16:name_length name u32:size bytes }*count     (little-endian)
 *
 * with names relative to the data directory ("phontab", "lang/gmw/en-US"). Files appear under
 * RIFF_DATA_ROOT; directories are implied by the names and list their entries in pack order (the
 * order phonemizer's Emscripten file system created them in, which decides espeak's voice list).
 */
#define RIFF_MEMFS_IMPLEMENTATION
#include "memfs.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define RIFF_DATA_ROOT "/espeak-ng-data/"

struct riff_file {
	char *path; /* RIFF_DATA_ROOT + name */
	const unsigned char *data;
	size_t size;
};

static struct riff_file *files;
static size_t n_files;

static uint32_t read_u32(const unsigned char *p) {
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

int riff_memfs_mount(const unsigned char *pack, size_t size) {
	if (size < 12 || memcmp(pack, "RIFFESPK", 8) != 0)
		return -1;
	uint32_t count = read_u32(pack + 8);
	struct riff_file *list = calloc(count, sizeof(struct riff_file));
	if (list == NULL)
		return -1;
	size_t at = 12;
	for (uint32_t i = 0; i < count; i++) {
		if (at + 2 > size)
			return -1;
		size_t name_length = (size_t)pack[at] | (size_t)pack[at + 1] << 8;
		at += 2;
		if (at + name_length + 4 > size)
			return -1;
		size_t root = strlen(RIFF_DATA_ROOT);
		char *path = malloc(root + name_length + 1);
		if (path == NULL)
			return -1;
		memcpy(path, RIFF_DATA_ROOT, root);
		memcpy(path + root, pack + at, name_length);
		path[root + name_length] = 0;
		at += name_length;
		size_t file_size = read_u32(pack + at);
		at += 4;
		if (at + file_size > size)
			return -1;
		list[i].path = path;
		list[i].data = pack + at;
		list[i].size = file_size;
		at += file_size;
	}
	files = list;
	n_files = count;
	return 0;
}

/* `path` without repeated slashes and without a trailing one, into `out`; 0 if too long. */
static int normalize(const char *path, char *out, size_t n_out) {
	size_t o = 0;
	for (const char *p = path; *p; p++) {
		if (*p == '/' && o > 0 && out[o - 1] == '/')
			continue;
		if (o + 1 >= n_out)
			return 0;
		out[o++] = *p;
	}
	while (o > 1 && out[o - 1] == '/')
		o--;
	out[o] = 0;
	return 1;
}

static const struct riff_file *find_file(const char *path) {
	for (size_t i = 0; i < n_files; i++)
		if (strcmp(files[i].path, path) == 0)
			return &files[i];
	return NULL;
}

/* The length of `path` if some file lies under it (so it is a directory), else 0. */
static size_t directory_prefix(const char *path) {
	size_t n = strlen(path);
	for (size_t i = 0; i < n_files; i++)
		if (strncmp(files[i].path, path, n) == 0 && files[i].path[n] == '/')
			return n;
	return 0;
}

FILE *riff_fopen(const char *path, const char *mode) {
	char name[512];
	if (strchr(mode, 'w') || strchr(mode, 'a') || strchr(mode, '+')) {
		errno = EROFS;
		return NULL;
	}
	const struct riff_file *file = normalize(path, name, sizeof(name)) ? find_file(name) : NULL;
	if (file == NULL) {
		errno = directory_prefix(name) ? EISDIR : ENOENT;
		return NULL;
	}
	return fmemopen((void *)file->data, file->size, "r");
}

int riff_stat(const char *path, struct stat *st) {
	char name[512];
	if (!normalize(path, name, sizeof(name))) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memset(st, 0, sizeof(*st));
	const struct riff_file *file = find_file(name);
	if (file != NULL) {
		st->st_mode = S_IFREG | 0444;
		st->st_size = (off_t)file->size;
		return 0;
	}
	if (directory_prefix(name)) {
		st->st_mode = S_IFDIR | 0555;
		return 0;
	}
	errno = ENOENT;
	return -1;
}

struct riff_dir {
	char **names; /* the directory's entries, in pack order, each once */
	size_t count;
	size_t next;
	struct dirent entry;
};

DIR *riff_opendir(const char *path) {
	char name[512];
	if (!normalize(path, name, sizeof(name)) || !directory_prefix(name)) {
		errno = ENOENT;
		return NULL;
	}
	size_t n = strlen(name);
	struct riff_dir *dir = calloc(1, sizeof(struct riff_dir));
	if (dir == NULL || (dir->names = calloc(n_files, sizeof(char *))) == NULL) {
		free(dir);
		errno = ENOMEM;
		return NULL;
	}
	for (size_t i = 0; i < n_files; i++) {
		const char *p = files[i].path;
		if (strncmp(p, name, n) != 0 || p[n] != '/')
			continue;
		const char *child = p + n + 1;
		size_t length = strcspn(child, "/");
		int seen = 0;
		for (size_t j = 0; j < dir->count && !seen; j++)
			seen = strlen(dir->names[j]) == length && strncmp(dir->names[j], child, length) == 0;
		if (seen)
			continue;
		char *copy = malloc(length + 1);
		if (copy == NULL)
			break;
		memcpy(copy, child, length);
		copy[length] = 0;
		dir->names[dir->count++] = copy;
	}
	return (DIR *)dir;
}

struct dirent *riff_readdir(DIR *handle) {
	struct riff_dir *dir = (struct riff_dir *)handle;
	if (dir->next >= dir->count)
		return NULL;
	memset(&dir->entry, 0, sizeof(dir->entry));
	strncpy(dir->entry.d_name, dir->names[dir->next++], sizeof(dir->entry.d_name) - 1);
	return &dir->entry;
}

int riff_closedir(DIR *handle) {
	struct riff_dir *dir = (struct riff_dir *)handle;
	for (size_t i = 0; i < dir->count; i++)
		free(dir->names[i]);
	free(dir->names);
	free(dir);
	return 0;
}
