/* SPDX-License-Identifier: MIT */
/*
 * The viewer of `iorr timeline` (src/cli/timeline.c embeds this file).
 *
 * Data comes from three <script type="application/json"> tags written by
 * timeline.c:
 *   tl-data    the overview, parsed at load: lanes, files, per-lane time
 *              buckets at several resolutions ("levels", only for large
 *              traces), file grids ("flevels"), conflicts, divergences;
 *   tl-detail  one entry per bar in time order, columnar and delta-coded,
 *              and the file accesses; parsed the first time bars are drawn;
 *   tl-text    the dump lines, parsed at the first hover.
 *
 * The page is drawn synchronously on load (so a headless browser's DOM
 * dump shows it) and the <body> gets data-ready="1", data-lanes,
 * data-bars, data-mode ("detail" or "aggregate") and data-conflicts.
 * Wheel zooms around the pointer, drag pans, double-click shows all.
 */
(function () {
	'use strict';

	var SVGNS = 'http://www.w3.org/2000/svg';
	var D = JSON.parse(document.getElementById('tl-data').textContent);
	/* roomy lanes for a few threads, compact ones for many */
	var few = D.lanes.length <= 8;
	var LEFT = 170, RIGHT = 16, LANE = few ? 42 : 22, BAR = few ? 22 : 14;
	var FILE_H = few ? 110 : 90, GAP = 14;
	/* one row of marker labels per divergent op and writer */
	var MARKROWS = Math.min(D.divergences.length * 3, 9);
	var MARKTOP = 22, AXIS = MARKTOP + MARKROWS * 14 + 6;
	var detail = null, text = null, levelCache = {}, flevelCache = {};
	var view = { t0: 0, t1: Math.max(D.span, 1) };
	var svg, plotW = 800, height = 0, pending = false;

	/* ---- helpers ---------------------------------------------------- */

	function el(name, attrs, parent) {
		var e = document.createElementNS(SVGNS, name);

		for (var k in attrs)
			e.setAttribute(k, attrs[k]);
		if (parent)
			parent.appendChild(e);
		return e;
	}

	function html(name, cls, txt, parent) {
		var e = document.createElement(name);

		if (cls)
			e.className = cls;
		if (txt !== undefined && txt !== null)
			e.textContent = txt;
		if (parent)
			parent.appendChild(e);
		return e;
	}

	function fmtTime(ns) {
		var a = Math.abs(ns);

		if (a < 1e3)
			return ns.toFixed(0) + ' ns';
		if (a < 1e6)
			return +(ns / 1e3).toPrecision(4) + ' \u00b5s';
		if (a < 1e9)
			return +(ns / 1e6).toPrecision(4) + ' ms';
		return +(ns / 1e9).toPrecision(4) + ' s';
	}

	function xOf(t) {
		return LEFT + (t - view.t0) / (view.t1 - view.t0) * plotW;
	}

	function tOf(x) {
		return view.t0 + (x - LEFT) / plotW * (view.t1 - view.t0);
	}

	function laneY(l) {
		return AXIS + l * LANE;
	}

	function fileY(f) {
		return AXIS + D.lanes.length * LANE + GAP + f * (FILE_H + GAP);
	}

	/* first i in [0, n) with key(i) >= v, for a nondecreasing key */
	function bisect(n, key, v) {
		var lo = 0, hi = n;

		while (lo < hi) {
			var mid = (lo + hi) >>> 1;

			if (key(mid) < v)
				lo = mid + 1;
			else
				hi = mid;
		}
		return lo;
	}

	/* ---- data ------------------------------------------------------- */

	function loadDetail() {
		if (detail)
			return detail;
		var J = JSON.parse(
			document.getElementById('tl-detail').textContent);
		var n = J.t.length, i;
		var start = new Float64Array(n), dur = new Float64Array(n);
		var seq = new Float64Array(n), maxEnd = new Float64Array(n);
		var s = 0, t = 0, m = 0;

		for (i = 0; i < n; i++) {
			s += J.s[i];
			t += J.t[i];
			seq[i] = s;
			start[i] = t;
			dur[i] = J.d[i];
			m = Math.max(m, t + J.d[i]);
			maxEnd[i] = m;
		}
		var A = J.acc, na = A.e.length;
		var ae = new Uint32Array(na), e = 0;

		for (i = 0; i < na; i++) {
			e += A.e[i];
			ae[i] = e;
		}
		var op = Uint16Array.from(J.o), cat = new Uint8Array(n);
		var flags = new Uint8Array(n);

		for (i = 0; i < n; i++)
			cat[i] = D.opcat[op[i]];
		for (i = 0; i < J.xi.length; i++)
			flags[J.xi[i]] = J.xv[i];
		detail = {
			n: n, seq: seq, start: start, dur: dur, maxEnd: maxEnd,
			lane: Uint32Array.from(J.l), cat: cat, op: op,
			flags: flags,
			acc: { n: na, e: ae, f: Uint32Array.from(A.f),
			       off: Float64Array.from(A.o),
			       len: Float64Array.from(A.n),
			       w: Uint8Array.from(A.w) },
		};
		return detail;
	}

	function loadText() {
		if (text)
			return text;
		var J = JSON.parse(
			document.getElementById('tl-text').textContent);

		text = new Map();
		for (var i = 0; i < J.s.length; i++)
			text.set(J.i ? J.i[i] : i, J.s[i]);
		return text;
	}

	/* Decode level @k: per lane, bucket indices and class counts. */
	function level(k) {
		if (levelCache[k])
			return levelCache[k];
		var L = D.levels[k], nc = D.cats.length, lanes = [];

		for (var l = 0; l < L.lanes.length; l++) {
			var a = L.lanes[l], b = [], c = [], pos = -1;

			for (var i = 0; i < a.length;) {
				pos += a[i++];
				var mask = a[i++], row = new Array(nc);

				for (var q = 0; q < nc; q++)
					row[q] = mask & (1 << q) ? a[i++] : 0;
				b.push(pos);
				c.push(row);
			}
			lanes.push({ b: b, c: c });
		}
		levelCache[k] = { n: L.n, lanes: lanes };
		return levelCache[k];
	}

	function flevel(k) {
		if (flevelCache[k])
			return flevelCache[k];
		var L = D.flevels[k], files = [];

		for (var f = 0; f < L.files.length; f++) {
			var a = L.files[f], cells = [], pos = -1;

			for (var i = 0; i < a.length; i += 3) {
				pos += a[i];
				cells.push([pos, a[i + 1], a[i + 2]]);
			}
			files.push(cells);
		}
		flevelCache[k] = { n: L.n, rows: L.rows, files: files };
		return flevelCache[k];
	}

	/* The finest of @levels whose buckets are at least a pixel wide. */
	function pickLevel(levels) {
		var best = 0;

		for (var k = 0; k < levels.length; k++) {
			var px = plotW * (D.span / levels[k].n) /
				 (view.t1 - view.t0);

			if (px >= 1)
				best = k;
		}
		return best;
	}

	/* Range of bars that may be in view: [lo, hi). */
	function visibleBars(d) {
		var lo = bisect(d.n, function (i) { return d.maxEnd[i]; },
				view.t0);
		var hi = bisect(d.n, function (i) { return d.start[i]; },
				view.t1 + 1e-9);

		return [lo, Math.max(lo, hi)];
	}

	/* ---- drawing ---------------------------------------------------- */

	function drawAxis(g) {
		var span = view.t1 - view.t0, step = Math.pow(10,
			Math.floor(Math.log10(span / 8)));

		if (span / step > 20)
			step *= 5;
		else if (span / step > 10)
			step *= 2;
		for (var t = Math.ceil(view.t0 / step) * step; t <= view.t1;
		     t += step) {
			var x = xOf(t);

			el('line', { class: 'tick', x1: x, x2: x, y1: 4,
				     y2: height }, g);
			el('text', { class: 'axis', x: x + 3, y: 14 }, g)
				.textContent = fmtTime(t);
		}
	}

	function drawLanes(g) {
		var prevPid = null;

		D.lanes.forEach(function (ln, l) {
			var y = laneY(l);

			el('rect', { class: 'lane' + (l % 2 ? ' odd' : ''),
				     x: LEFT, y: y, width: plotW,
				     height: LANE }, g);
			if (ln.pid !== prevPid && l)
				el('line', { class: 'procsep', x1: 0,
					     x2: LEFT + plotW, y1: y, y2: y }, g);
			var lab = el('text', { class: 'lanelabel', x: 8,
					       y: y + LANE / 2 + 4 }, g);

			lab.textContent = 'T' + ln.thread + '  ' + ln.pid +
				'/' + ln.tid;
			prevPid = ln.pid;
		});
		D.files.forEach(function (f, k) {
			var y = fileY(k);

			el('rect', { class: 'filelane', x: LEFT, y: y,
				     width: plotW, height: FILE_H }, g);
			var lab = el('text', { class: 'filelabel', x: 8,
					       y: y + 14 }, g);

			lab.textContent = f.path.length > 24 ?
				'\u2026' + f.path.slice(-23) : f.path;
			el('title', {}, lab).textContent = f.path;
			el('text', { class: 'small', x: 8, y: y + 30 }, g)
				.textContent = 'bytes 0..' + f.extent;
			el('text', { class: 'small', x: 8, y: y + FILE_H - 4 },
			   g).textContent = 'offset \u2193';
		});
	}

	function barClass(d, i) {
		var x = d.flags[i], c = 'bar ' + D.cats[d.cat[i]];

		if (x & 2)
			c += ' req';
		if (x & 4)
			c += ' err';
		if (x & 16)
			c += ' divergent';
		if (x & 32)
			c += ' expected-writer';
		if (x & 64)
			c += ' actual-writer';
		return c;
	}

	function drawBars(g, d, lo, hi) {
		var n = 0;

		for (var i = lo; i < hi; i++) {
			if (d.start[i] + d.dur[i] < view.t0)
				continue;
			var x0 = Math.max(xOf(d.start[i]), LEFT - 2);
			var x1 = Math.min(xOf(d.start[i] + d.dur[i]),
					  LEFT + plotW + 2);

			el('rect', { class: barClass(d, i), 'data-p': i,
				     x: x0.toFixed(2),
				     y: laneY(d.lane[i]) + (LANE - BAR) / 2,
				     width: Math.max(x1 - x0, 2).toFixed(2),
				     height: BAR }, g);
			n++;
		}
		return n;
	}

	function drawAggregate(g) {
		var k = pickLevel(D.levels), L = level(k), nc = D.cats.length;
		var bw = D.span / L.n, n = 0;
		var b0 = Math.floor(view.t0 / bw), b1 = Math.ceil(view.t1 / bw);

		L.lanes.forEach(function (ln, l) {
			var paths = new Array(nc).fill('');
			var y = laneY(l) + (LANE - BAR) / 2;
			var i = bisect(ln.b.length, function (j) {
				return ln.b[j];
			}, b0);

			for (; i < ln.b.length && ln.b[i] <= b1; i++) {
				var c = ln.c[i], tot = 0, below = 0, q;
				var x0 = xOf(ln.b[i] * bw);
				var w = Math.max(xOf((ln.b[i] + 1) * bw) - x0, 1);

				for (q = 0; q < nc; q++)
					tot += c[q];
				for (q = 0; q < nc; q++) {
					if (!c[q])
						continue;
					var h = BAR * c[q] / tot;

					paths[q] += 'M' + x0.toFixed(1) + ' ' +
						(y + BAR * below / tot).toFixed(2) +
						'h' + w.toFixed(2) + 'v' +
						h.toFixed(2) + 'h' +
						(-w).toFixed(2) + 'z';
					below += c[q];
				}
				n++;
			}
			for (var q2 = 0; q2 < nc; q2++)
				if (paths[q2])
					el('path', { class: 'agg ' + D.cats[q2],
						     'data-lane': l,
						     d: paths[q2] }, g);
		});
		return n;
	}

	function drawAccesses(g, d, lo, hi) {
		var A = d.acc, n = 0;
		var i = bisect(A.n, function (j) { return A.e[j]; }, lo);

		for (; i < A.n && A.e[i] < hi; i++) {
			var e = A.e[i], f = A.f[i];

			if (d.start[e] + d.dur[e] < view.t0)
				continue;
			var ext = Math.max(D.files[f].extent, 1);
			var y0 = fileY(f) + A.off[i] / ext * FILE_H;
			var h = Math.max(A.len[i] / ext * FILE_H, 1.5);
			var x0 = Math.max(xOf(d.start[e]), LEFT - 2);
			var x1 = Math.min(xOf(d.start[e] + d.dur[e]),
					  LEFT + plotW + 2);

			el('rect', { class: 'acc ' + (A.w[i] ? 'write' : 'read') +
				     (d.flags[e] & 16 ? ' divergent' : '') +
				     (d.flags[e] & 32 ? ' expected-writer' : '') +
				     (d.flags[e] & 64 ? ' actual-writer' : ''),
				     'data-p': e, x: x0.toFixed(2),
				     y: y0.toFixed(2),
				     width: Math.max(x1 - x0, 2).toFixed(2),
				     height: Math.min(h, FILE_H).toFixed(2) },
			   g);
			n++;
		}
		return n;
	}

	function drawFileGrid(g) {
		var k = pickLevel(D.flevels), L = flevel(k);
		var bw = D.span / L.n, rh = FILE_H / L.rows;
		var b0 = Math.floor(view.t0 / bw), b1 = Math.ceil(view.t1 / bw);

		L.files.forEach(function (cells, f) {
			var max = 1, paths = {}, y = fileY(f);

			cells.forEach(function (c) {
				max = Math.max(max, c[1], c[2]);
			});
			cells.forEach(function (c) {
				var b = Math.floor(c[0] / L.rows);
				var r = c[0] % L.rows;

				if (b < b0 || b > b1)
					return;
				var w = c[2] ? 1 : 0, v = c[2] || c[1];
				var lvl = Math.min(3, Math.floor(
					4 * Math.log(1 + v) / Math.log(1 + max)));
				var key = (w ? 'write' : 'read') + ' l' + lvl;
				var x0 = xOf(b * bw);
				var wd = Math.max(xOf((b + 1) * bw) - x0, 1);

				paths[key] = (paths[key] || '') + 'M' +
					x0.toFixed(1) + ' ' +
					(y + r * rh).toFixed(1) + 'h' +
					wd.toFixed(2) + 'v' + rh.toFixed(2) +
					'h' + (-wd).toFixed(2) + 'z';
			});
			for (var key in paths)
				el('path', { class: 'cell ' + key,
					     d: paths[key] }, g);
		});
	}

	/* Where a link leaves bar @i: its middle, top or bottom edge. */
	function barEnd(d, i, dy) {
		var y = laneY(d.lane[i]) + LANE / 2;

		return [xOf(d.start[i] + d.dur[i] / 2),
			dy > 0 ? y + BAR / 2 : dy < 0 ? y - BAR / 2 : y];
	}

	function drawConflicts(g, d, lo, hi) {
		var C = D.conflicts, n = 0;

		for (var k = 0; k < C.a.length; k++) {
			var a = C.a[k], b = C.b[k];

			if (!((a >= lo && a < hi) || (b >= lo && b < hi)))
				continue;
			var dl = d.lane[b] - d.lane[a];
			var p = barEnd(d, a, dl > 0 ? 1 : dl < 0 ? -1 : -1);
			var q = barEnd(d, b, dl > 0 ? -1 : dl < 0 ? 1 : -1);
			var my = (p[1] + q[1]) / 2;

			if (!dl)
				my = p[1] - LANE / 2;	/* same lane: an arc */
			var path = el('path', {
				class: 'conflict' + (C.ov[k] ? ' overlapped' : ''),
				'data-k': k,
				d: 'M' + p[0].toFixed(1) + ' ' + p[1] + 'C' +
				   p[0].toFixed(1) + ' ' + my + ' ' +
				   q[0].toFixed(1) + ' ' + my + ' ' +
				   q[0].toFixed(1) + ' ' + q[1] }, g);

			el('title', {}, path).textContent = 'conflict: seq ' +
				d.seq[a] + ' and seq ' + d.seq[b] + ' on ' +
				D.files[C.f[k]].path + (C.ov[k] ?
				' (ran at the same time)' : '') +
				', not ordered by happens-before';
			n++;
		}
		return n;
	}

	/*
	 * Divergence markers: a dashed line across the lanes at each op,
	 * labelled in its own row under the axis so labels never collide.
	 */
	function drawMarks(g) {
		var row = 0;

		D.divergences.forEach(function (dv, i) {
			[['op', 'divergent'], ['expected', 'expected-writer'],
			 ['actual', 'actual-writer']].forEach(function (r) {
				if (dv[r[0] + '_t'] === undefined)
					return;
				var x = xOf(dv[r[0] + '_t'] +
					    dv[r[0] + '_d'] / 2);
				var y = MARKTOP + Math.min(row++, MARKROWS - 1) *
					14;
				var label = (r[0] === 'op' ? 'divergent op' :
					     r[0] + ' writer') +
					(D.divergences.length > 1 ?
					 ' #' + (i + 1) : '') +
					' · seq ' + dv[r[0] + '_seq'];

				if (x < LEFT || x > LEFT + plotW)
					return;
				el('line', { class: 'mark ' + r[1], x1: x, x2: x,
					     y1: y + 2, y2: height }, g);
				var t = el('text', { class: 'marklabel ' + r[1],
						     y: y + 10 }, g);

				t.textContent = label;
				/* right of the line, or left near the edge */
				if (x + 8 + label.length * 6 > LEFT + plotW) {
					t.setAttribute('x', x - 4);
					t.setAttribute('text-anchor', 'end');
				} else {
					t.setAttribute('x', x + 4);
				}
			});
		});
	}

	function render() {
		pending = false;
		while (svg.firstChild)
			svg.removeChild(svg.firstChild);
		var bg = el('g', { class: 'bg' }, svg);
		var gb = el('g', { class: 'bars' }, svg);
		var gf = el('g', { class: 'files' }, svg);
		var gc = el('g', { class: 'links' }, svg);
		var gm = el('g', { class: 'marks' }, svg);
		var inView = D.bars * (view.t1 - view.t0) / Math.max(D.span, 1);
		var d = null, r = null, mode = 'aggregate', nb = 0, nl = 0;

		el('rect', { class: 'plotbg', x: 0, y: 0,
			     width: LEFT + plotW + RIGHT, height: height }, bg);
		drawLanes(bg);
		drawAxis(bg);
		/* decide from an estimate first, so the overview of a huge
		 * trace never parses the detail */
		if (!D.levels || inView <= 4 * D.detailMax) {
			d = loadDetail();
			r = visibleBars(d);
			if (!D.levels || r[1] - r[0] <= D.detailMax)
				mode = 'detail';
		}
		if (mode === 'detail') {
			nb = drawBars(gb, d, r[0], r[1]);
			nl = drawConflicts(gc, d, r[0], r[1]);
		} else {
			nb = drawAggregate(gb);
		}
		if (D.flevels && (!d || d.acc.n && (function () {
			var A = d.acc;
			var i = bisect(A.n, function (j) { return A.e[j]; },
				       r[0]);
			var j = bisect(A.n, function (q) { return A.e[q]; },
				       r[1]);

			return j - i > D.detailMax;
		})()))
			drawFileGrid(gf);
		else if (D.files.length)
			drawAccesses(gf, d || loadDetail(),
				     r ? r[0] : 0, r ? r[1] : 0);
		drawMarks(gm);
		el('rect', { class: 'mask', x: 0, y: 0, width: LEFT - 1,
			     height: height }, svg);
		/* lane labels above the mask */
		var gl = el('g', { class: 'labels' }, svg);

		svg.querySelectorAll('.lanelabel, .filelabel, .small')
			.forEach(function (t) { gl.appendChild(t); });
		document.body.dataset.mode = mode;
		document.body.dataset.bars = mode === 'detail' ? nb : 0;
		document.body.dataset.buckets = mode === 'detail' ? 0 : nb;
		document.body.dataset.conflicts = nl;
		document.body.dataset.divergent =
			svg.querySelectorAll('.bar.divergent').length;
		document.getElementById('range').textContent =
			fmtTime(view.t0) + ' \u2013 ' + fmtTime(view.t1) +
			' (' + fmtTime(view.t1 - view.t0) + ' shown; ' +
			(mode === 'detail' ? nb + ' ops' : 'aggregated: ' +
			 'bars are shares of ops per time bucket') + ')';
	}

	function schedule() {
		if (!pending) {
			pending = true;
			requestAnimationFrame(render);
		}
	}

	/* ---- interaction ------------------------------------------------- */

	function setView(t0, t1) {
		var span = Math.max(D.span, 1), min = Math.min(20, span);

		if (t1 - t0 < min) {
			var c = (t0 + t1) / 2;

			t0 = c - min / 2;
			t1 = c + min / 2;
		}
		if (t1 - t0 > span) {
			t0 = 0;
			t1 = span;
		}
		if (t0 < 0) {
			t1 -= t0;
			t0 = 0;
		}
		if (t1 > span) {
			t0 -= t1 - span;
			t1 = span;
		}
		view.t0 = t0;
		view.t1 = t1;
		schedule();
	}

	function secs(ns) {
		return Math.floor(ns / 1e9) + '.' +
			String(ns % 1e9).padStart(9, '0');
	}

	/* The line of `iorr dump`: its body is kept, the rest is columns. */
	function dumpLine(i) {
		var d = loadDetail(), t = loadText().get(i);
		var ln = D.lanes[d.lane[i]];
		var head = String(d.seq[i]).padStart(6) + ' ' +
			secs(d.start[i]) + ' ' + ln.pid + '/' + ln.tid + ' ';

		if (t !== undefined)
			return head + t;
		return head + D.ops[d.op[i]] + '(\u2026) <' +
			secs(d.dur[i]) + '>\n(arguments not kept: ' +
			'iorr timeline --max-text; see iorr dump)';
	}

	function showTip(ev, lines) {
		var tip = document.getElementById('tip');

		tip.textContent = lines.join('\n');
		tip.hidden = false;
		var x = ev.clientX + 14, y = ev.clientY + 14;

		if (x + tip.offsetWidth > window.innerWidth - 4)
			x = Math.max(4, ev.clientX - tip.offsetWidth - 14);
		if (y + tip.offsetHeight > window.innerHeight - 4)
			y = Math.max(4, ev.clientY - tip.offsetHeight - 14);
		tip.style.left = x + 'px';
		tip.style.top = y + 'px';
	}

	function hover(ev) {
		var tgt = ev.target, p = tgt.getAttribute &&
			tgt.getAttribute('data-p');
		var tip = document.getElementById('tip');

		if (p !== null && p !== undefined && p !== '') {
			var i = +p, d = loadDetail(), lines = [dumpLine(i)];
			var A = d.acc, k = bisect(A.n, function (j) {
				return A.e[j];
			}, i);

			for (; k < A.n && A.e[k] === i; k++)
				lines.push((A.w[k] ? 'writes ' : 'reads ') +
					   D.files[A.f[k]].path + ' bytes ' +
					   A.off[k] + '..' +
					   (A.off[k] + A.len[k] - 1));
			if (d.flags[i] & 16)
				lines.push('\u25b6 the divergent op of the ' +
					   'replay report');
			if (d.flags[i] & 32)
				lines.push('\u25b6 the writer whose bytes ' +
					   'the replay expected');
			if (d.flags[i] & 64)
				lines.push('\u25b6 the writer whose bytes ' +
					   'the replay got');
			showTip(ev, lines);
			return;
		}
		if (tgt.classList && tgt.classList.contains('agg')) {
			var l = +tgt.getAttribute('data-lane');
			var L = level(pickLevel(D.levels)), bw = D.span / L.n;
			var rect = svg.getBoundingClientRect();
			var b = Math.floor(tOf(ev.clientX - rect.left) / bw);
			var ln = L.lanes[l], j = bisect(ln.b.length,
				function (q) { return ln.b[q]; }, b);

			if (j < ln.b.length && ln.b[j] === b) {
				var parts = [];

				D.cats.forEach(function (c, q) {
					if (ln.c[j][q])
						parts.push(ln.c[j][q] + ' ' + c);
				});
				showTip(ev, ['T' + D.lanes[l].thread + ', ' +
					     fmtTime(b * bw) + ' + ' +
					     fmtTime(bw) + ':',
					     'ops overlapping: ' +
					     parts.join(', '),
					     '(zoom in for single ops)']);
				return;
			}
		}
		tip.hidden = true;
	}

	function setup() {
		var root = document.getElementById('view');

		plotW = Math.max(300, (root.clientWidth || 1200) - LEFT - RIGHT);
		height = AXIS + D.lanes.length * LANE + GAP +
			 D.files.length * (FILE_H + GAP) + 4;
		svg = el('svg', { id: 'tl', width: LEFT + plotW + RIGHT,
				  height: height }, root);
		svg.addEventListener('wheel', function (ev) {
			var rect = svg.getBoundingClientRect();
			var x = ev.clientX - rect.left;

			if (x < LEFT)
				return;
			ev.preventDefault();
			var t = tOf(x), f = Math.exp(ev.deltaY * 0.0015);

			setView(t - (t - view.t0) * f, t + (view.t1 - t) * f);
		}, { passive: false });
		var drag = null;

		svg.addEventListener('mousedown', function (ev) {
			drag = { x: ev.clientX, t0: view.t0, t1: view.t1 };
			ev.preventDefault();
		});
		window.addEventListener('mousemove', function (ev) {
			if (!drag) {
				hover(ev);
				return;
			}
			var dt = (ev.clientX - drag.x) / plotW *
				 (drag.t1 - drag.t0);

			setView(drag.t0 - dt, drag.t1 - dt);
		});
		window.addEventListener('mouseup', function () { drag = null; });
		svg.addEventListener('dblclick', function () {
			setView(0, D.span);
		});
		svg.addEventListener('mouseleave', function () {
			document.getElementById('tip').hidden = true;
		});
	}

	/* 1234567 -> "1,234,567" */
	function grouped(n) {
		return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
	}

	/*
	 * The conflicting pairs: how many, and how many are drawn when not
	 * all.  The count stops at iorr timeline --max-count ("more").
	 */
	function conflictsText() {
		var C = D.conflicts, drawn = C.a.length;
		var total = (C.more ? 'more than ' : '') + grouped(C.total);
		var one = C.total === 1 && !C.more;

		if (drawn === C.total && !C.more)
			return total + ' unordered conflicting pair' +
			       (one ? '' : 's');
		return grouped(drawn) + ' of ' + total + ' unordered ' +
		       'conflicting pair' + (one ? '' : 's') + ' drawn';
	}

	function header() {
		var t = document.getElementById('title');

		html('h1', null, 'iorr timeline', t);
		html('span', 'trace', D.trace, t);
		if (D.description)
			html('div', 'desc', D.description, t);
		else if (D.cmdline)
			html('div', 'desc', D.cmdline.join(' '), t);
		html('div', 'stats', D.events + ' events \u00b7 ' +
		     D.lanes.length + ' thread' +
		     (D.lanes.length === 1 ? '' : 's') + ' \u00b7 ' +
		     D.files.length + ' file' +
		     (D.files.length === 1 ? '' : 's') + ' \u00b7 ' +
		     fmtTime(D.span) + ' \u00b7 ' + conflictsText(), t);
		html('div', 'range', '', t).id = 'range';

		var lg = document.getElementById('legend');

		D.cats.forEach(function (c) {
			var s = html('span', 'key', null, lg);

			html('i', 'chip ' + c, null, s);
			s.appendChild(document.createTextNode(c));
		});
		[['chip req', 'async request (submit \u2192 completion)'],
		 ['line conflict', 'conflict, unordered'],
		 ['line conflict overlapped', '\u2026 and concurrent']]
			.forEach(function (k) {
				var s = html('span', 'key', null, lg);

				html('i', k[0], null, s);
				s.appendChild(document.createTextNode(k[1]));
			});
		if (D.divergences.length)
			[['divergent', 'divergent op'],
			 ['expected-writer', 'expected writer'],
			 ['actual-writer', 'actual writer']]
				.forEach(function (k) {
					var s = html('span', 'key', null, lg);

					html('i', 'chip outline ' + k[0], null, s);
					s.appendChild(
						document.createTextNode(k[1]));
				});
		html('span', 'hint', 'wheel: zoom \u00b7 drag: pan \u00b7 ' +
		     'double-click: all \u00b7 hover: the dump line', lg);
	}

	function footer() {
		var f = document.getElementById('info');

		if (D.verdict)
			html('div', 'verdict ' + D.verdict, 'replay report: ' +
			     D.verdict + (D.command ? ' \u2014 ' + D.command :
					  ''), f);
		D.divergences.forEach(function (dv, i) {
			var p = html('div', 'div', null, f);
			var s = 'divergence ' + (i + 1) + ': ' + dv.class +
				' ' + dv.kind;

			if (dv.path)
				s += ' of ' + dv.path;
			if (dv.len)
				s += ' bytes ' + dv.off + '..' +
				     (dv.off + dv.len - 1);
			html('b', null, s, p);
			if (dv.what)
				html('span', null, ' \u2014 ' + dv.what, p);
			var refs = html('div', 'refs', null, p);

			[['op_seq', 'op', 'divergent'],
			 ['expected_seq', 'expected writer', 'expected-writer'],
			 ['actual_seq', 'actual writer', 'actual-writer']]
				.forEach(function (r) {
					if (dv[r[0]] === undefined)
						return;
					var a = html('a', r[2], r[1] + ': seq ' +
						     dv[r[0]] +
						     (r[0] === 'actual_seq' &&
						      dv.actual_inferred ?
						      ' (inferred from the ' +
						      'bytes read)' : ''), refs);

					a.href = '#';
					a.addEventListener('click', function (e) {
						e.preventDefault();
						var k = r[0].replace('_seq', '');
						var t = dv[k + '_t'];

						if (t === undefined)
							return;
						var w = Math.max(D.span / 50,
								 dv[k + '_d'] * 8, 20);

						setView(t - w, t + w);
					});
				});
		});
		if (D.conflicts.total > D.conflicts.a.length ||
		    D.conflicts.more)
			html('div', 'note', conflictsText() + ' (iorr ' +
			     'timeline --max-conflicts' + (D.conflicts.more ?
			     '; the count stops at --max-count' : '') + ')', f);
	}

	/* #view=T0,T1 (ns from the first event) opens a part of the trace */
	function initialView() {
		var m = /view=([0-9.e+]+),([0-9.e+]+)/.exec(location.hash);

		if (m && +m[2] > +m[1]) {
			view.t0 = Math.max(0, +m[1]);
			view.t1 = Math.min(Math.max(D.span, 1), +m[2]);
		}
	}

	header();
	footer();
	setup();
	initialView();
	render();
	document.body.dataset.lanes = D.lanes.length;
	document.body.dataset.files = D.files.length;
	/* ms from navigation start to a drawn page, for the speed budget */
	document.body.dataset.loadMs = Math.round(performance.now());
	document.body.dataset.ready = '1';
})();
