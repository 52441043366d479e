/* chart.c — bar charts as inline SVG (see chart.h). Geometry is fixed
 * (a 640-unit-wide viewBox that scales with the page); colours are the
 * site's dark blue on white (contrast 10:1) and a black dashed target line,
 * and every value is also written as text above its bar. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/buf.h"
#include "tmpl/escape.h"
#include "web/chart.h"

#define W 640
#define H 260
#define LEFT 44
#define RIGHT 16
#define TOP 24
#define BOTTOM 56

static void text_esc(struct buf *b, const char *s)
{
	html_escape(b, s ? s : "", s ? strlen(s) : 0);
}

/* y of value v on the plot. */
static double ypos(const struct chart *c, double v)
{
	if (v < 0)
		v = 0;
	if (v > c->max)
		v = c->max;
	return TOP + (H - TOP - BOTTOM) * (1.0 - v / c->max);
}

int chart_bars_svg(struct buf *b, const struct chart *c)
{
	double plot_w = W - LEFT - RIGHT, slot, bw, x, y, ty;
	const char *id = c->id && *c->id ? c->id : "chart";
	size_t i;
	int t, inside;

	if (!c->title || !*c->title || !c->desc || !(c->max > 0) || c->nbars > CHART_MAX_BARS)
		return -1;
	buf_puts(b, "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" role=\"img\" viewBox=\"0 0 ");
	buf_printf(b, "%d %d\" aria-labelledby=\"", W, H);
	text_esc(b, id);
	buf_puts(b, "-t ");
	text_esc(b, id);
	buf_puts(b, "-d\"><title id=\"");
	text_esc(b, id);
	buf_puts(b, "-t\">");
	text_esc(b, c->title);
	buf_puts(b, "</title><desc id=\"");
	text_esc(b, id);
	buf_puts(b, "-d\">");
	text_esc(b, c->desc);
	buf_puts(b, "</desc>");
	buf_printf(b, "<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>", W, H);
	/* the axis: 0, half, max, with light grid lines */
	for (t = 0; t <= 4; t++) {
		double v = c->max * t / 4.0;

		y = ypos(c, v);
		buf_printf(b,
			   "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#767676\" stroke-width=\"%s\"/>",
			   LEFT, y, W - RIGHT, y, t ? "0.5" : "1");
		buf_printf(b,
			   "<text x=\"%d\" y=\"%.1f\" font-size=\"11\" text-anchor=\"end\" fill=\"#1a1a1a\">%g</text>",
			   LEFT - 4, y + 4, v);
	}
	slot = c->nbars ? plot_w / (double)c->nbars : plot_w;
	bw = slot * 0.6;
	for (i = 0; i < c->nbars; i++) {
		const struct chart_bar *bar = &c->bars[i];
		char num[32];

		x = LEFT + slot * (double)i + (slot - bw) / 2;
		if (!bar->empty) {
			y = ypos(c, bar->value);
			buf_printf(b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#003f7d\"/>",
				   x, y, bw, ypos(c, 0) - y);
		} else {
			y = ypos(c, 0);
		}
		if (bar->empty)
			snprintf(num, sizeof(num), "\xe2\x80\x94");
		else
			snprintf(num, sizeof(num), "%g", bar->value);
		/* the value: white inside a bar tall enough (contrast 10:1), else
		 * dark above it */
		inside = !bar->empty && ypos(c, 0) - y >= 18;
		ty = inside ? y + 13 : y - 4;
		if (c->target > 0 && c->target <= c->max && fabs(ty - 4 - ypos(c, c->target)) < 9) {
			/* clear of the target line: below it in the bar, or above */
			ty = inside && ypos(c, 0) - ypos(c, c->target) >= 34 ? ypos(c, c->target) + 15
									     : ypos(c, c->target) - 6;
			inside = ty > y;
		}
		buf_printf(b, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" text-anchor=\"middle\" fill=\"%s\">",
			   x + bw / 2, ty, inside ? "#ffffff" : "#1a1a1a");
		text_esc(b, bar->text && !bar->empty ? bar->text : num);
		buf_puts(b, "</text>");
		buf_printf(b,
			   "<text x=\"%.1f\" y=\"%d\" font-size=\"11\" text-anchor=\"end\" fill=\"#1a1a1a\" "
			   "transform=\"rotate(-35 %.1f %d)\">",
			   x + bw / 2, H - BOTTOM + 14, x + bw / 2, H - BOTTOM + 14);
		text_esc(b, bar->label);
		buf_puts(b, "</text>");
	}
	if (c->target > 0 && c->target <= c->max) {
		/* a white line under a black dashed one: seen on the bars and
		 * on the white ground alike; its label in the top margin */
		y = ypos(c, c->target);
		buf_printf(b,
			   "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ffffff\" stroke-width=\"4\"/>"
			   "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#000000\" stroke-width=\"2\" "
			   "stroke-dasharray=\"6 4\"/>",
			   LEFT, y, W - RIGHT, y, LEFT, y, W - RIGHT, y);
		buf_printf(b,
			   "<line x1=\"%d\" y1=\"12\" x2=\"%d\" y2=\"12\" stroke=\"#000000\" stroke-width=\"2\" "
			   "stroke-dasharray=\"6 4\"/>",
			   W - RIGHT - 150, W - RIGHT - 126);
		buf_printf(b, "<text x=\"%d\" y=\"16\" font-size=\"11\" fill=\"#000000\">", W - RIGHT - 120);
		text_esc(b, c->target_label);
		buf_puts(b, "</text>");
	}
	buf_puts(b, "</svg>");
	return buf_ok(b) ? 0 : -1;
}
