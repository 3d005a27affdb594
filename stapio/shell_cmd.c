/* The -c command's shell line: "exec CMD" where the shell can become the
 * command, CMD itself where it must stay.  The check is deliberately
 * conservative: whatever it is unsure of keeps the shell, which costs
 * only target() naming the shell instead of the command. */
#define _GNU_SOURCE
#include "shell_cmd.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The closing quote of the quoted part starting at p, or NULL if none. */
static const char *skip_quoted(const char *p)
{
	char quote = *p;

	for (p++; *p && *p != quote; p++)
		if (quote == '"' && *p == '\\' && p[1])
			p++;
	return *p ? p : NULL;
}

/* Does unquoted c (after unquoted prev, 0 if none) start another command,
 * a subshell, a substitution we cannot see into, or a here-document? */
static bool joins_commands(char c, char prev, char next)
{
	switch (c) {
	case ';':
	case '(':
	case ')':
	case '`':
	case '\n':
		return true;
	case '&':	/* only a redirection's, as in 2>&1 */
		return prev != '<' && prev != '>';
	case '|':	/* only as in >| */
		return prev != '>';
	case '<':
		return next == '<';
	default:
		return false;
	}
}

/* One command, no separators, pipes or background jobs in it; quotes are
 * balanced. */
static bool is_one_command(const char *p)
{
	char prev = 0;

	for (; *p; p++) {
		if (*p == '\\') {
			if (!*++p)
				return false;
			prev = 0;
		} else if (*p == '\'' || *p == '"') {
			p = skip_quoted(p);
			if (!p)
				return false;
			prev = 0;
		} else {
			if (joins_commands(*p, prev, p[1]))
				return false;
			prev = *p;
		}
	}
	return true;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* The end of the word at p (quotes kept whole). */
static const char *word_end(const char *p)
{
	while (*p && !is_blank(*p)) {
		if (*p == '\\' && p[1])
			p++;
		else if (*p == '\'' || *p == '"')
			p = skip_quoted(p);
		p++;
	}
	return p;
}

static bool is_assignment(const char *word, const char *end)
{
	const char *p = word;

	if (p == end || !(*p == '_' || (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z')))
		return false;
	while (p < end && (*p == '_' || (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
			   (*p >= '0' && *p <= '9')))
		p++;
	return p < end && *p == '=';
}

/* A name the shell takes as it is: no quotes, expansions, globs,
 * redirections or tilde. */
static bool is_literal(const char *word, const char *end)
{
	const char *p;

	if (word == end)
		return false;
	for (p = word; p < end; p++)
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		      (*p >= '0' && *p <= '9') || strchr("._/+,:@%-", *p)))
			return false;
	return true;
}

static bool is_program(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

/* Would the shell run name as a program (not a builtin, keyword or
 * function: none of those is a file on $PATH)? */
static bool names_program(const char *name, size_t len)
{
	const char *dirs = getenv("PATH");
	char *path;
	bool found = false;

	if (memchr(name, '/', len)) {
		path = strndup(name, len);
		found = path && is_program(path);
		free(path);
		return found;
	}
	while (dirs && !found) {
		size_t n = strcspn(dirs, ":");

		if (asprintf(&path, "%.*s%s%.*s", (int)n, dirs, n ? "/" : "",
			     (int)len, name) < 0)
			return false;
		found = is_program(path);
		free(path);
		dirs = dirs[n] ? dirs + n + 1 : NULL;
	}
	return found;
}

/* Where "exec " goes, or -1 if the command must keep its shell. */
static long exec_position(const char *command)
{
	const char *word = command, *end;

	if (!is_one_command(command))
		return -1;
	for (;;) {
		while (is_blank(*word))
			word++;
		end = word_end(word);
		if (!is_assignment(word, end))
			break;
		word = end;
	}
	if (!is_literal(word, end) || !names_program(word, end - word))
		return -1;
	return word - command;
}

char *shell_cmd_for(const char *command)
{
	long at = exec_position(command);
	char *line;

	if (at < 0)
		return strdup(command);
	if (asprintf(&line, "%.*sexec %s", (int)at, command, command + at) < 0)
		return NULL;
	return line;
}
