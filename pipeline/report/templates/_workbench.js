  // ---- Topic map, λ slider, topic browser and search (data embedded in the page) ----
  var relevance = JSON.parse(document.getElementById("relevance-data").textContent);
  var mapData = JSON.parse(document.getElementById("map-data").textContent);
  var byTopic = {};
  relevance.topics.forEach(function (t) { byTopic[t.topic] = t; });
  var labels = {};
  mapData.topics.forEach(function (t) { labels[t.topic] = t.label; });
  var flagged = new Set(mapData.flagged);
  var slider = document.getElementById("lambda");
  var shown = document.getElementById("lambda-value");
  var selected = mapData.topics.length ? mapData.topics[0].topic : null;
  var corpus = null;
  var PAGE = 50;

  // Relevance of each candidate term (LDAvis). A term with no weight in the topic is not
  // one of its terms: log 0 would make every score NaN at λ = 1 and the order arbitrary.
  function rankTerms(topic, lambda, n) {
    var scored = [];
    topic.terms.forEach(function (term, i) {
      var phi = topic.phi[i];
      if (!(phi > 0)) { return; }
      var logPhi = Math.log(phi);
      var logP = Math.log(Math.max(topic.p[i], 1e-12));
      scored.push({ term: term, phi: phi, p: topic.p[i],
                    score: lambda * logPhi + (1 - lambda) * (logPhi - logP) });
    });
    scored.sort(function (a, b) {
      return b.score - a.score || (a.term < b.term ? -1 : a.term > b.term ? 1 : 0);
    });
    return scored.slice(0, n);
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function rerank() {
    var lambda = parseFloat(slider.value);
    shown.textContent = lambda.toFixed(1);
    document.querySelectorAll(".terms[data-topic]").forEach(function (target) {
      var topic = byTopic[target.dataset.topic];
      if (!topic) { return; }
      target.textContent = "";
      rankTerms(topic, lambda, 10).forEach(function (item) {
        var span = el("span", "", item.term);
        span.dataset.score = String(item.score);
        target.appendChild(span);
      });
    });
    drawTerms();
  }

  function drawTerms() {
    var box = document.getElementById("map-terms");
    box.textContent = "";
    var topic = byTopic[selected];
    if (!topic) { return; }
    var info = mapData.topics.filter(function (t) { return t.topic === selected; })[0];
    var items = rankTerms(topic, parseFloat(slider.value), 20);
    var most = Math.max.apply(null, items.map(function (x) { return x.p; }).concat([1e-12]));
    items.forEach(function (item) {
      var row = el("div", "bar-row map-term");
      row.dataset.score = String(item.score);
      row.title = item.term + ": 全体 " + Math.round(item.p * mapData.n_tokens) +
        " 回、このトピック 約 " + Math.round(Math.min(item.phi * info.prevalence, item.p) * mapData.n_tokens) + " 回";
      row.appendChild(el("span", "bar-term", item.term));
      var track = el("span", "bar-track");
      var all = el("span", "bar-all");
      all.style.width = (100 * item.p / most) + "%";
      var mine = el("span", "bar-topic");
      // An estimate from the model's weights: never drawn past the term's corpus count.
      mine.style.width = (100 * Math.min(item.phi * info.prevalence, item.p) / most) + "%";
      track.appendChild(all);
      track.appendChild(mine);
      row.appendChild(track);
      row.addEventListener("click", function () { focusTerm(item.term); });
      box.appendChild(row);
    });
  }

  // Positions, sizes and the numbers' places come from the report (workbench.map_layout):
  // a topic far from the rest sits at the edge (dashed, an arrow towards where it lies), and
  // the numbers are drawn above every circle, pushed apart so none hides another.
  function drawMap() {
    var svg = document.getElementById("topic-map-svg");
    var ns = "http://www.w3.org/2000/svg";
    var size = mapData.size;
    function add(tag, attrs, parent) {
      var node = document.createElementNS(ns, tag);
      Object.keys(attrs).forEach(function (k) { node.setAttribute(k, attrs[k]); });
      (parent || svg).appendChild(node);
      return node;
    }
    var ox = mapData.origin[0], oy = mapData.origin[1];
    if (ox > 0 && ox < size) { add("path", { d: "M " + ox + " 0 L " + ox + " " + size, "class": "map-axis" }); }
    if (oy > 0 && oy < size) { add("path", { d: "M 0 " + oy + " L " + size + " " + oy, "class": "map-axis" }); }
    add("text", { x: size - 30, y: Math.min(Math.max(oy - 6, 12), size - 6), "class": "map-label" }).textContent = "PC1";
    add("text", { x: Math.min(Math.max(ox + 18, 18), size - 18), y: 14, "class": "map-label" }).textContent = "PC2";
    // Largest first, so a small topic drawn on top of a big one stays clickable.
    var order = mapData.topics.slice().sort(function (a, b) { return b.prevalence - a.prevalence; });
    order.forEach(function (t) {
      var circle = add("circle", { cx: t.cx, cy: t.cy, r: t.r,
        "class": "topic-circle" + (t.procedural ? " procedural" : "") + (t.outside ? " outside" : "") });
      circle.dataset.r = String(t.r);
      circle.dataset.topic = String(t.topic);
      add("title", {}, circle).textContent = "T" + t.topic + ": " + t.label + "（" +
        Math.round(t.prevalence * 100) + "%）" + (t.outside ? "。ほかのトピックから遠く、実際の位置は矢印の先（枠の外）" : "");
      circle.addEventListener("click", function () { select(t.topic); });
      if (t.outside) {
        var dx = t.toward[0], dy = t.toward[1], tip = t.r + 12;
        var x = t.cx + dx * tip, y = t.cy + dy * tip;
        add("path", { "class": "map-outside", d: "M " + x + " " + y + " L " + (x - dx * 9 - dy * 5) +
          " " + (y - dy * 9 + dx * 5) + " L " + (x - dx * 9 + dy * 5) + " " + (y - dy * 9 - dx * 5) + " Z" });
      }
    });
    order.forEach(function (t) {
      var far = Math.hypot(t.lx - t.cx, t.ly - t.cy) > t.r;
      if (far) { add("path", { d: "M " + t.cx + " " + t.cy + " L " + t.lx + " " + t.ly, "class": "map-leader" }); }
      var label = add("text", { x: t.lx, y: t.ly, "class": "map-label map-number" });
      label.dataset.topic = String(t.topic);
      label.textContent = String(t.topic);
    });
  }

  // LDAvis: a term's weight in each topic (φ·prevalence, from each topic's candidate
  // terms; a topic where it is not a candidate counts as 0) drawn as the circles' sizes.
  var focused = null;
  function focusTerm(term) {
    focused = focused === term ? null : term;
    var weights = {}, most = 0;
    mapData.topics.forEach(function (t) {
      var topic = byTopic[t.topic], i = topic ? topic.terms.indexOf(term) : -1;
      weights[t.topic] = i >= 0 ? topic.phi[i] * t.prevalence : 0;
      most = Math.max(most, weights[t.topic]);
    });
    document.querySelectorAll(".topic-circle").forEach(function (c) {
      var w = weights[c.dataset.topic];
      c.setAttribute("r", focused === null ? c.dataset.r
        : String(w > 0 ? Math.max(3, 44 * Math.sqrt(w / most)) : 0));
    });
    var note = document.getElementById("map-focus");
    note.textContent = focused === null ? "" : "円の大きさ: 語「" + term +
      "」がトピックごとに占める推定出現数（もう一度クリックで戻る）";
  }

  function select(topic) {
    selected = topic;
    document.querySelectorAll(".topic-circle").forEach(function (c) {
      c.classList.toggle("selected", c.dataset.topic === String(topic));
    });
    var info = mapData.topics.filter(function (t) { return t.topic === topic; })[0];
    document.getElementById("map-title").textContent = "T" + topic + ": " + info.label +
      "（全体の " + Math.round(info.prevalence * 100) + "%）";
    document.getElementById("map-select").value = String(topic);
    document.getElementById("browser-title").textContent = "T" + topic + " の文書（割合の大きい順）";
    drawTerms();
    browse(0);
  }

  function cut(text, n) { return text.length > n ? text.slice(0, n - 1) + "…" : text; }
  function flat(text) { return text.replace(/\s+/g, " "); }

  function pager(box, page, total, go) {
    box.textContent = "";
    if (total <= PAGE) { return; }
    var last = Math.ceil(total / PAGE) - 1;
    var back = el("button", "", "前へ");
    back.type = "button"; back.disabled = page === 0;
    back.addEventListener("click", function () { go(page - 1); });
    var next = el("button", "", "次へ");
    next.type = "button"; next.disabled = page === last;
    next.addEventListener("click", function () { go(page + 1); });
    box.appendChild(back);
    box.appendChild(el("span", "note", (page * PAGE + 1) + "–" + Math.min(total, (page + 1) * PAGE) +
      " 件目 / " + total + " 件"));
    box.appendChild(next);
  }

  function metaCells(row, doc) {
    var speaker = corpus.speakers[doc[1]];
    var who = el("td", "meta" + (flagged.has(speaker) ? " faded" : ""),
                 (speaker || "（話者なし）") + (flagged.has(speaker) ? " ※" : ""));
    who.title = speaker;
    row.appendChild(who);
    // A meeting shows as its title; its id (files, tables) in the tooltip.
    var meeting = el("td", "meta", corpus.titles[doc[0]]);
    meeting.title = corpus.meetings[doc[0]];
    row.appendChild(meeting);
    row.appendChild(el("td", "meta", corpus.dates[doc[3]]));
    row.appendChild(el("td", "meta num", String(doc[2])));
  }

  function browse(page) {
    var body = document.querySelector("#browser tbody");
    var status = document.getElementById("browser-status");
    body.textContent = "";
    if (!corpus) { status.textContent = "本文を読み込んでいます…"; return; }
    var rows = corpus.topic_docs[selected - 1] || [];
    status.textContent = "このトピックを含む文書 " + rows.length + " 件（割合 0.1% 以上）。「代表」は割合 " +
      Math.round(mapData.quote_min_share * 100) + "% 以上で語が " + mapData.quote_min_tokens +
      " 以上の文書（本文の代表的な発言の基準）。語の少ない文書は後ろに並べます。";
    rows.slice(page * PAGE, (page + 1) * PAGE).forEach(function (pair) {
      var doc = corpus.docs[pair[0]];
      var row = el("tr", pair[1] >= mapData.quote_min_share * 1000 && pair[2] ? "rep" : "");
      row.appendChild(el("td", "num share", (pair[1] / 10).toFixed(1) + "%"));
      metaCells(row, doc);
      var text = el("td", "text", doc[5] ? cut(flat(doc[5]), 160) : "（本文は埋め込みの上限外）");
      if (doc[5].length > 160) {
        // A click shows the whole passage; another click folds it again.
        text.classList.add("more");
        text.addEventListener("click", function () {
          var open = text.dataset.open === "1";
          text.textContent = open ? cut(flat(doc[5]), 160) : doc[5];
          text.dataset.open = open ? "0" : "1";
        });
      }
      row.appendChild(text);
      body.appendChild(row);
    });
    pager(document.getElementById("browser-pager"), page, rows.length, browse);
  }

  var hits = [];
  var NOT_MODELLED_TITLE = ["", "語が残らず、モデルに入らなかった文書（定型文・手続き・短すぎるなど）",
    "モデルに入らなかった発言（議事進行役・除外した話者・手続きだけの会議・見出しなど）"];
  function value(id) {
    var node = document.getElementById(id);
    return node ? node.value : "";
  }

  // The filters as set now (speakers, meetings and groups by their index in the corpus).
  function filters() {
    function index(id) {
      var v = value(id);
      return v === "" ? -1 : parseInt(v, 10);
    }
    var speaker = index("search-speaker"), meeting = index("search-meeting");
    var group = index("search-group");
    return {
      topic: value("search-topic"), from: value("search-from"), to: value("search-to"),
      speakerIndex: speaker, meeting: meeting, groupIndex: group,
      speaker: speaker >= 0 ? corpus.speakers[speaker] : "",
      group: group >= 0 ? corpus.groups[group] : "",
      meetingTitle: meeting >= 0 ? corpus.titles[meeting] : ""
    };
  }

  function passes(doc, f) {
    if (f.topic === "none" ? doc[7] === 0 : f.topic && doc[4] !== parseInt(f.topic, 10)) { return false; }
    if (f.speakerIndex >= 0 && doc[1] !== f.speakerIndex) { return false; }
    if (f.meeting >= 0 && doc[0] !== f.meeting) { return false; }
    if (f.groupIndex >= 0 && doc[6] !== f.groupIndex) { return false; }
    var date = corpus.dates[doc[3]];
    if ((f.from || f.to) && !date) { return false; }  // undated lines match no date range
    if (f.from && date < f.from) { return false; }
    if (f.to && date > f.to) { return false; }
    return true;
  }

  // The filters in words, for the status line and the CSV.
  function describe(f) {
    var parts = [];
    if (f.topic === "none") { parts.push("モデル対象外の行"); }
    else if (f.topic) { parts.push("T" + f.topic + " が主の文書"); }
    if (f.speakerIndex >= 0) { parts.push("話者 " + (f.speaker || "（話者なし）")); }
    if (f.meeting >= 0) { parts.push("会議 " + f.meetingTitle); }
    if (f.groupIndex >= 0) { parts.push("会派 " + (f.group || "（会派なし）")); }
    if (f.from || f.to) { parts.push("日付 " + (f.from || "…") + "〜" + (f.to || "…")); }
    return parts;
  }

  function search() {
    clearTimeout(timer);  // a search typed and then run at once is not run again later
    var status = document.getElementById("search-status");
    var query = document.getElementById("search-input").value.trim();
    hits = [];
    if (!query) { status.textContent = "語を入れて Enter を押してください。"; showHits(0); return; }
    if (!corpus) { status.textContent = "本文を読み込んでいます…"; return; }
    var f = filters();
    var documents = 0, outside = 0;
    corpus.docs.forEach(function (doc, i) {
      if (!passes(doc, f)) { return; }
      var text = doc[5], at = text.indexOf(query), found = false;
      while (at >= 0) {
        hits.push([i, at]);
        found = true;
        if (doc[7]) { outside += 1; }
        at = text.indexOf(query, at + query.length);
      }
      if (found) { documents += 1; }
    });
    sortHits(query);
    var parts = describe(f);
    status.textContent = "「" + query + "」: " + hits.length + " 件（" + documents + " 行" +
      (outside ? "、うちモデル対象外 " + outside + " 件" : "") + "）" +
      (parts.length ? "、" + parts.join("、") : "");
    showHits(0);
  }

  // Sorting: by a column header (click again: the other way), or by the context as KH
  // Coder does (right: what follows the match; left: what precedes it, read backwards).
  var sortKey = "", sortAscending = true;
  function hitKey(hit, key, length) {
    var doc = corpus.docs[hit[0]], text = doc[5];
    if (key === "right") { return text.substr(hit[1] + length, 20); }
    if (key === "left") { return text.slice(Math.max(0, hit[1] - 20), hit[1]).split("").reverse().join(""); }
    if (key === "speaker") { return corpus.speakers[doc[1]]; }
    if (key === "meeting") { return corpus.titles[doc[0]]; }
    if (key === "date") { return corpus.dates[doc[3]]; }
    if (key === "turn") { return doc[2]; }
    if (key === "topic") { return doc[4] || Infinity; }  // not modelled: after every topic
    if (key === "group") { return corpus.groups[doc[6]]; }
    return 0;
  }

  function sortHits(query) {
    if (!sortKey) { return; }
    var sign = sortAscending ? 1 : -1;
    var keyed = hits.map(function (hit) { return { hit: hit, key: hitKey(hit, sortKey, query.length) }; });
    keyed.sort(function (a, b) {
      var order = a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
      return sign * order || a.hit[0] - b.hit[0] || a.hit[1] - b.hit[1];
    });
    hits = keyed.map(function (x) { return x.hit; });
  }

  function markHeaders() {
    document.querySelectorAll("#kwic th[data-key]").forEach(function (th) {
      th.setAttribute("aria-sort", th.dataset.key !== sortKey ? "none"
        : sortAscending ? "ascending" : "descending");
    });
  }

  function sortBy(key) {
    sortAscending = key === sortKey ? !sortAscending : true;
    sortKey = key;
    var order = document.getElementById("search-order");
    order.value = sortAscending && (key === "left" || key === "right") ? key : "header";
    markHeaders();
    var query = document.getElementById("search-input").value.trim();
    if (corpus && hits.length) { sortHits(query); showHits(0); }
  }

  function showHits(page) {
    var body = document.querySelector("#kwic tbody");
    var query = document.getElementById("search-input").value.trim();
    body.textContent = "";
    hits.slice(page * PAGE, (page + 1) * PAGE).forEach(function (hit) {
      var doc = corpus.docs[hit[0]], text = doc[5], at = hit[1], width = 30;
      var row = el("tr", "kwic-line" + (doc[7] ? " not-modelled" : ""));
      var left = flat(text.slice(Math.max(0, at - width), at));
      var right = flat(text.slice(at + query.length, at + query.length + width));
      var leftCell = el("td", "left");
      leftCell.appendChild(el("span", "", (at > width ? "…" : "") + left));
      row.appendChild(leftCell);
      row.appendChild(el("td", "hit", text.substr(at, query.length)));
      row.appendChild(el("td", "right", right + (at + query.length + width < text.length ? "…" : "")));
      metaCells(row, doc);
      var topicCell = el("td", "meta" + (doc[7] ? " outside" : ""),
                         doc[4] ? "T" + doc[4] : "モデル対象外");
      topicCell.title = doc[4] ? labels[doc[4]] : NOT_MODELLED_TITLE[doc[7]];
      row.appendChild(topicCell);
      if (corpus.groups.some(Boolean)) {
        var group = el("td", "meta", corpus.groups[doc[6]] || "（会派なし）");
        group.title = group.textContent;
        row.appendChild(group);
      }
      row.addEventListener("click", function () { showFull(row, doc, at, query.length); });
      body.appendChild(row);
    });
    pager(document.getElementById("kwic-pager"), page, hits.length, showHits);
  }

  // The whole document under its KWIC line, the match marked; a second click closes it.
  function showFull(row, doc, at, length) {
    var next = row.nextElementSibling;
    if (next && next.classList.contains("kwic-full")) { next.remove(); return; }
    var full = el("tr", "kwic-full");
    var cell = el("td");
    cell.colSpan = 8;
    cell.appendChild(document.createTextNode(doc[5].slice(0, at)));
    cell.appendChild(el("mark", "", doc[5].substr(at, length)));
    cell.appendChild(document.createTextNode(doc[5].slice(at + length)));
    full.appendChild(cell);
    row.parentNode.insertBefore(full, row.nextSibling);
  }

  // Every line of the search (not just this page, in its order) as CSV, made in the
  // browser; each line also says what was searched and how it was filtered, so a file
  // (or a line pasted elsewhere) tells where it came from.
  function saveCsv() {
    if (!corpus || !hits.length) { return; }
    var query = document.getElementById("search-input").value.trim();
    var f = filters();
    // Quoted, and a cell a spreadsheet would run as a formula gets a ' (as our tables).
    function cell(value) {
      var text = String(value);
      if (/^[=+\-@\t\r]/.test(text)) { text = "'" + text; }
      return '"' + text.replace(/"/g, '""') + '"';
    }
    var conditions = [query, f.topic === "none" ? "モデル対象外" : f.topic ? "T" + f.topic : "",
                      f.speakerIndex >= 0 ? f.speaker || "（話者なし）" : "", f.meetingTitle,
                      f.groupIndex >= 0 ? f.group || "（会派なし）" : "", f.from, f.to];
    var lines = [["left", "match", "right", "speaker", "meeting", "title", "date", "turn",
                  "topic", "group", "modelled", "query", "filter_topic", "filter_speaker",
                  "filter_meeting", "filter_group", "filter_date_from", "filter_date_to"].join(",")];
    hits.forEach(function (hit) {
      var doc = corpus.docs[hit[0]], text = doc[5], at = hit[1];
      lines.push([flat(text.slice(Math.max(0, at - 30), at)), query,
                  flat(text.substr(at + query.length, 30)), corpus.speakers[doc[1]],
                  corpus.meetings[doc[0]], corpus.titles[doc[0]], corpus.dates[doc[3]], doc[2],
                  doc[4] ? "T" + doc[4] : "", corpus.groups[doc[6]], doc[7] ? "False" : "True"]
        .concat(conditions).map(cell).join(","));
    });
    var link = document.createElement("a");
    link.href = URL.createObjectURL(new Blob(["\ufeff" + lines.join("\r\n") + "\r\n"],
                                             { type: "text/csv" }));
    link.download = "kwic.csv";
    link.click();
  }

  var timer = null;
  document.getElementById("search-input").addEventListener("keydown", function (e) {
    if (e.key === "Enter") { clearTimeout(timer); search(); }
  });
  document.getElementById("search-input").addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(search, 300);
  });
  document.getElementById("search-go").addEventListener("click", search);
  document.getElementById("search-order").addEventListener("change", function (e) {
    if (e.target.value === "header") { return; }
    sortKey = e.target.value;
    sortAscending = true;
    markHeaders();
    search();
  });
  document.getElementById("search-csv").addEventListener("click", saveCsv);
  ["search-topic", "search-speaker", "search-meeting", "search-group", "search-from",
   "search-to"].forEach(function (id) {
    var node = document.getElementById(id);
    if (node) { node.addEventListener("change", search); }
  });
  document.querySelectorAll("#kwic button.sort").forEach(function (button) {
    button.addEventListener("click", function () { sortBy(button.dataset.key); });
  });
  slider.addEventListener("input", rerank);
  document.querySelectorAll("button.show-topic").forEach(function (button) {
    button.addEventListener("click", function () {
      select(parseInt(button.dataset.topic, 10));
      document.getElementById("topic-map").scrollIntoView();
    });
  });
  document.getElementById("map-select").addEventListener("change", function (e) {
    select(parseInt(e.target.value, 10));
  });

  // The corpus is gzip-compressed JSON in base64; the browser unpacks it, offline.
  function loadCorpus() {
    var packed = document.getElementById("corpus-data").textContent.trim();
    var binary = atob(packed);
    var bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i += 1) { bytes[i] = binary.charCodeAt(i); }
    var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
    return new Response(stream).text().then(JSON.parse);
  }

  drawMap();
  rerank();
  if (selected !== null) { select(selected); }
  if (typeof DecompressionStream === "undefined") {
    document.getElementById("search-status").textContent =
      "このブラウザは埋め込みデータを開けないため、検索と文書一覧は使えません（最近の Chrome・Edge・Firefox・Safari で開いてください）。";
  } else {
    loadCorpus().then(function (data) {
      corpus = data;
      document.body.dataset.corpus = "ready";
      browse(0);
      search();
    });
  }
