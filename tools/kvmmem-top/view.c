// SPDX-License-Identifier: GPL-2.0
/*
 * view.c - kvmmem-top's full-screen view (ncurses): the same header and
 * rows as the batch output (top.c formats both), refreshed
 * every interval, with keys to sort, filter, show histograms and quit.
 *
 * Keys are read between refreshes (getch() with a timeout up to the next
 * one), so a key acts at once; a terminal resize arrives as KEY_RESIZE
 * and is just a redraw at the new size.
 */
#define _GNU_SOURCE
#include <curses.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cli.h"
#include "common/hist.h"
#include "kvmmem-top.h"
#include "util.h"

struct view {
	struct top_source *src;
	struct view_opts o;
	struct top_frame f;
	bool have_frame;	/* a frame was built: rates exist */
	bool hist;		/* histograms instead of rows */
	bool sites;		/* call sites (--stacks) instead of rows */
	struct top_row *scratch;	/* rows sorted and filtered for drawing */
	size_t cap;
	char notice[128];	/* one line under the header, e.g. an error */
};

/* Print @text at row @y, clipped to the screen; false past the bottom. */
static bool put_line(int y, const char *text, int attr)
{
	if (y >= LINES)
		return false;
	if (attr)
		attron(attr);
	mvaddnstr(y, 0, text, COLS);
	if (attr)
		attroff(attr);
	return true;
}

static void draw_hists(struct view *v, int y)
{
	const struct top_desc *d = v->src->desc;
	const uint64_t (*hist)[TOP_SLOTS] = v->f.hist;
	char line[256], *buf = NULL;
	unsigned int op;
	size_t len = 0, i;
	FILE *mem;

	for (i = 0; v->o.pid && i < v->f.n; i++)
		if (v->f.rows[i].id == v->o.pid)
			hist = v->f.rows[i].hist;
	snprintf(line, sizeof(line), "Latency histograms over the last interval, %s",
		 v->o.pid ? "" : "all processes");
	if (v->o.pid)
		snprintf(line + strlen(line), sizeof(line) - strlen(line),
			 "%s %" PRIu32 "%s", d->id_key, v->o.pid,
			 hist == v->f.hist ? " (no row)" : "");
	put_line(y++, line, A_BOLD);

	mem = open_memstream(&buf, &len);
	if (!mem)
		return;
	for (op = 0; op < d->nr_ops; op++) {
		uint64_t n = 0;

		for (i = 0; i < TOP_SLOTS; i++)
			n += hist[op][i];
		fprintf(mem, "\n%s: %" PRIu64 " calls\n", d->op_names[op], n);
		kvmmem_print_log2_hist(mem, hist[op], TOP_SLOTS, "nsecs");
	}
	fclose(mem);
	for (char *save = NULL, *l = strtok_r(buf, "\n", &save); l;
	     l = strtok_r(NULL, "\n", &save))
		if (!put_line(y++, l, 0))
			break;
	free(buf);
}

/* 's': the call sites holding the most pages, or why there are none. */
static void draw_sites(struct view *v, int y)
{
	char line[512];
	size_t i;

	top_fmt_sites_info(&v->f, line, sizeof(line));
	put_line(y++, line, A_BOLD);
	if (!v->f.have_stacks)
		return;
	top_fmt_site_colhdr(line, sizeof(line));
	snprintf(line + strlen(line), sizeof(line) - strlen(line), "%*s",
		 COLS > (int)strlen(line) ? COLS - (int)strlen(line) : 0, "");
	put_line(y++, line, A_REVERSE);
	for (i = 0; i < v->f.nr_sites; i++) {
		top_fmt_site(&v->f.sites[i], line, sizeof(line));
		if (!put_line(y++, line, 0))
			break;
	}
}

static void draw(struct view *v)
{
	const struct top_desc *d = v->src->desc;
	char line[512], clock[16], extra[160];
	unsigned int l;
	size_t n, i;
	int y = 0;

	erase();
	snprintf(extra, sizeof(extra), "attach %s  sort %s%s", v->src->attach,
		 top_col_key(d, v->o.sort), v->o.reverse ? " (reversed)" : "");
	if (v->o.pid)
		snprintf(extra + strlen(extra), sizeof(extra) - strlen(extra),
			 "  filter %s %" PRIu32, d->id_key, v->o.pid);
	for (l = 0; top_fmt_header(d, &v->f, l, clock_now(clock), extra, line,
				   sizeof(line)); l++)
		put_line(y++, line, l ? 0 : A_BOLD);
	put_line(y++, v->notice[0] ? v->notice :
		 v->have_frame ? "keys: < > sort  r reverse  p pid filter  "
		 "h histograms  s call sites  q quit" :
		 "collecting the first interval...", 0);
	y++;
	if (v->sites) {
		draw_sites(v, y);
		refresh();
		return;
	}
	if (v->hist) {
		draw_hists(v, y);
		refresh();
		return;
	}
	top_fmt_colhdr(d, &v->o.sort, line, sizeof(line));
	snprintf(line + strlen(line), sizeof(line) - strlen(line), "%*s",
		 COLS > (int)strlen(line) ? COLS - (int)strlen(line) : 0, "");
	put_line(y++, line, A_REVERSE);

	if (v->f.n > v->cap) {
		struct top_row *s = realloc(v->scratch, v->f.n * sizeof(*s));

		if (!s) {
			put_line(y, "out of memory", 0);
			refresh();
			return;
		}
		v->scratch = s;
		v->cap = v->f.n;
	}
	if (v->f.n)
		memcpy(v->scratch, v->f.rows, v->f.n * sizeof(*v->scratch));
	top_sort(v->scratch, v->f.n, v->o.sort, v->o.reverse);
	n = top_filter(v->scratch, v->f.n, v->o.pid);
	for (i = 0; i < n; i++) {
		top_fmt_row(&v->scratch[i], line, sizeof(line));
		if (!put_line(y++, line, 0))
			break;
	}
	if (d->result_name && n) {
		y++;
		top_fmt_results_colhdr(d, line, sizeof(line));
		put_line(y++, line, A_BOLD);
		for (i = 0; i < n; i++) {
			top_fmt_results(d, &v->scratch[i], line, sizeof(line));
			if (!put_line(y++, line, 0))
				break;
		}
	}
	refresh();
}

/* 'p': ask for a pid; empty clears the filter. */
static void ask_pid(struct view *v)
{
	char buf[24] = "";
	uint64_t pid;

	put_line(LINES - 1, "pid to show (empty: all): ", A_BOLD);
	clrtoeol();
	echo();
	curs_set(1);
	timeout(-1);
	getnstr(buf, sizeof(buf) - 1);
	noecho();
	curs_set(0);
	v->notice[0] = '\0';
	if (!buf[0])
		v->o.pid = 0;
	else if (kvmmem_parse_u64_range(buf, 1, INT32_MAX, &pid))
		snprintf(v->notice, sizeof(v->notice), "not a pid: '%s'", buf);
	else
		v->o.pid = (uint32_t)pid;
}

/* Act on key @ch; false to quit. */
static bool key(struct view *v, int ch)
{
	switch (ch) {
	case 'q':
	case 'Q':
		return false;
	case '<':
		v->o.sort = v->o.sort ? v->o.sort - 1 : TOP_NR_COLS - 1;
		break;
	case '>':
		v->o.sort = (v->o.sort + 1) % TOP_NR_COLS;
		break;
	case 'r':
		v->o.reverse = !v->o.reverse;
		break;
	case 'h':
		v->hist = !v->hist;
		v->sites = false;
		break;
	case 's':
		v->sites = !v->sites;
		v->hist = false;
		break;
	case 'p':
		ask_pid(v);
		break;
	default:
		break;	/* KEY_RESIZE and the rest: a redraw */
	}
	return true;
}

int run_view(struct top_source *src, const struct view_opts *o)
{
	struct top_sample samples[2] = { 0 }, *prev = &samples[0],
			  *cur = &samples[1], *tmp;
	struct view v = { .src = src, .o = *o };
	uint64_t t0, next, now, frames = 0;
	int status = 0, err, ch;
	char why[256];

	t0 = kvmmem_mono_ns();
	err = take_frame(src, NULL, prev, t0, &v.f, why, sizeof(why));
	if (err)
		goto out;
	next = t0 + o->interval_ns;

	initscr();
	cbreak();
	noecho();
	keypad(stdscr, TRUE);
	curs_set(0);
	draw(&v);
	while (!kvmmem_stop_signal) {
		now = kvmmem_mono_ns();
		if (now >= next) {
			err = take_frame(src, prev, cur, t0, &v.f, why, sizeof(why));
			if (err)
				break;
			tmp = prev;
			prev = cur;
			cur = tmp;
			v.have_frame = true;
			next += o->interval_ns;
			if (next <= now)
				next = now + o->interval_ns;
			draw(&v);
			if (o->count && ++frames >= o->count)
				break;
			if (o->duration_ns && now - t0 >= o->duration_ns)
				break;
			if (o->duration_ns && next > t0 + o->duration_ns)
				next = t0 + o->duration_ns;
			continue;
		}
		timeout((int)((next - now + 999999) / 1000000));
		ch = getch();
		if (ch == ERR)
			continue;	/* the timeout, or a signal */
		if (!key(&v, ch))
			break;
		draw(&v);
	}
	endwin();
out:
	if (err == -ENODEV) {
		kvmmem_warn("%s", why);
		status = EXIT_GONE;
	} else if (err) {
		status = EXIT_FAIL;
	}
	free(v.scratch);
	top_frame_free(&v.f);
	top_sample_free(&samples[0]);
	top_sample_free(&samples[1]);
	return status;
}
