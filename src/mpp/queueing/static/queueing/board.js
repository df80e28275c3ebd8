/* Display board: follows the mall's board stream (server-sent events), redraws the board and
 * calls new tickets aloud in Indonesian, one call after the other.
 *
 * Speech: the browser's own Indonesian voice when it has one, else recorded clips played in
 * sequence (static/queueing/voice/, made by scripts/make_voice_clips.sh). The word functions
 * below mirror mpp/queueing/speech.py; keep the two in step (tests compare them).
 * No framework, no network beyond this server: the board runs offline.
 */
(function () {
  "use strict";

  /* ---- Indonesian words (same as mpp.queueing.speech) ---- */
  var LETTERS = {
    A: "a", B: "be", C: "ce", D: "de", E: "e", F: "ef", G: "ge", H: "ha", I: "i", J: "je",
    K: "ka", L: "el", M: "em", N: "en", O: "o", P: "pe", Q: "ki", R: "er", S: "es", T: "te",
    U: "u", V: "fe", W: "we", X: "eks", Y: "ye", Z: "zet"
  };
  var DIGITS = ["nol", "satu", "dua", "tiga", "empat", "lima", "enam", "tujuh", "delapan", "sembilan"];
  var PHRASE_NUMBER = "nomor antrean";
  var PHRASE_COUNTER = "silakan ke loket";

  function join(head, rest) { return rest ? head + " " + numberWords(rest) : head; }

  function numberWords(n) {
    n = Math.floor(Number(n));
    if (!(n >= 0 && n <= 999999)) throw new RangeError("number out of range");
    if (n < 10) return DIGITS[n];
    if (n === 10) return "sepuluh";
    if (n === 11) return "sebelas";
    if (n < 20) return DIGITS[n - 10] + " belas";
    if (n < 100) return join(DIGITS[Math.floor(n / 10)] + " puluh", n % 10);
    if (n < 1000) {
      var h = Math.floor(n / 100);
      return join(h === 1 ? "seratus" : DIGITS[h] + " ratus", n % 100);
    }
    var t = Math.floor(n / 1000);
    return join(t === 1 ? "seribu" : numberWords(t) + " ribu", n % 1000);
  }

  function ticketWords(number) {
    var words = [];
    String(number).toUpperCase().split("").forEach(function (ch) {
      if (LETTERS[ch]) words.push(LETTERS[ch]);
      else if (ch >= "0" && ch <= "9") words.push(DIGITS[ch.charCodeAt(0) - 48]);
    });
    return words.join(" ");
  }

  function callWords(number, counterNumber) {
    return [PHRASE_NUMBER].concat(ticketWords(number).split(" "), [PHRASE_COUNTER],
      numberWords(counterNumber).split(" "));
  }

  function callSentence(number, counterNumber) {
    return "Nomor antrean " + ticketWords(number) + ", " + PHRASE_COUNTER + " " +
      numberWords(counterNumber);
  }

  function clipName(word) { return word.replace(/ /g, "-"); }

  window.MPPSpeech = {
    numberWords: numberWords, ticketWords: ticketWords, callWords: callWords,
    callSentence: callSentence, clipName: clipName
  };

  var configNode = document.getElementById("board-config");
  if (!configNode) return; // speech functions only (e.g. loaded by a test page)
  var config = JSON.parse(configNode.textContent);
  var L = config.labels;
  var skew = 0; // server clock minus browser clock, in ms

  /* ---- Clock (in the mall's time zone, on the server's time) ---- */
  var lang = document.documentElement.lang || "id";
  function formatter(opts) {
    opts.timeZone = config.timezone;
    try { return new Intl.DateTimeFormat(lang, opts); } catch (e) {
      delete opts.timeZone;
      return new Intl.DateTimeFormat(lang, opts);
    }
  }
  var fmtTime = formatter({ hour: "2-digit", minute: "2-digit", hour12: false });
  var fmtDate = formatter({ weekday: "long", day: "numeric", month: "long", year: "numeric" });
  var timeNode = document.getElementById("board-time");
  var dateNode = document.getElementById("board-date");
  function tick() {
    var now = new Date(Date.now() + skew);
    timeNode.textContent = fmtTime.format(now).replace(".", ":");
    dateNode.textContent = fmtDate.format(now);
  }
  setInterval(tick, 1000);

  /* ---- Drawing the board from a snapshot ---- */
  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }
  function fill(parent, nodes) {
    while (parent.firstChild) parent.removeChild(parent.firstChild);
    nodes.forEach(function (n) { parent.appendChild(n); });
  }

  var shownNewest = config.lastEventId;

  function drawHero(newest) {
    var hero = document.getElementById("board-hero");
    if (!newest) {
      hero.className = "board-hero is-empty";
      fill(hero, [el("span", "hero-empty", L.no_calls)]);
      return;
    }
    fill(hero, [
      el("span", "hero-number", newest.number),
      el("span", "hero-to", newest.kind === "recalled" ? L.recalled : L.go_to),
      el("span", "hero-counter", newest.counter_name),
      el("span", "hero-service", newest.service || "")
    ]);
    hero.className = "board-hero";
    if (newest.event_id > shownNewest) {
      void hero.offsetWidth; // restart the flash animation
      hero.className = "board-hero is-new";
    }
    shownNewest = Math.max(shownNewest, newest.event_id);
  }

  function drawCounters(rows) {
    var list = document.getElementById("board-counters");
    // same rule as views/board.py counters_size(): all counters fit on one screen
    list.setAttribute("data-size", rows.length <= 8 ? "l" : rows.length <= 16 ? "m" : "s");
    fill(list, rows.map(function (c) {
      var state = c.ticket ? c.status : (c.is_open ? "free" : "closed");
      var label = c.ticket ? (c.status === "called" ? L.called : L.serving)
        : (c.is_open ? L.free : L.closed);
      var li = el("li", "counter-card is-" + state);
      li.setAttribute("data-counter", c.counter_id);
      li.appendChild(el("span", "counter-name", c.counter_name));
      li.appendChild(el("span", "counter-ticket", c.ticket || "—"));
      li.appendChild(el("span", "counter-state", label));
      return li;
    }));
  }

  function drawLast(calls) {
    var list = document.getElementById("board-last");
    if (!calls.length) { fill(list, [el("li", "last-empty", L.no_calls)]); return; }
    fill(list, calls.map(function (c, i) {
      var li = el("li", "last-call" + (i === 0 ? " is-newest" : ""));
      li.appendChild(el("span", "last-number", c.number));
      var where = el("span", "last-counter", c.counter_name);
      if (c.kind === "recalled") {
        var again = el("span", "last-again", "↻");
        again.title = L.recalled;
        where.appendChild(document.createTextNode(" "));
        where.appendChild(again);
      }
      li.appendChild(where);
      var t = el("time", "last-time", fmtTime.format(new Date(c.at)).replace(".", ":"));
      t.setAttribute("datetime", c.at);
      li.appendChild(t);
      return li;
    }));
  }

  function drawWaiting(rows, total) {
    document.getElementById("board-waiting-total").textContent = total;
    var list = document.getElementById("board-waiting");
    if (!rows.length) { fill(list, [el("li", "waiting-empty", L.nobody_waiting)]); return; }
    fill(list, rows.map(function (w) {
      var li = el("li", "waiting-row");
      li.appendChild(el("span", "waiting-prefix", w.prefix));
      var name = el("span", "waiting-service", w.service_name);
      name.appendChild(el("small", null, w.booth));
      li.appendChild(name);
      li.appendChild(el("span", "waiting-count", w.waiting));
      return li;
    }));
  }

  function draw(snap) {
    if (snap.generated_at) skew = Date.parse(snap.generated_at) - Date.now();
    drawHero(snap.last_calls[0]);
    drawCounters(snap.now_serving);
    drawLast(snap.last_calls);
    drawWaiting(snap.waiting, snap.waiting_total);
    announceNew(snap.last_calls);
  }

  /* ---- Sound: chime, then the call, queued so that calls never overlap ---- */
  var STALE_MS = 3 * 60 * 1000; // after a long disconnection, old calls are shown, not read out
  var MAX_QUEUED = 12; // a burst of calls beyond this is shown, not read out
  var announced = config.lastEventId; // calls already on the board at load are not read out
  var queue = [];
  var busy = false;
  var soundOn = false;
  var ctx = null;
  var buffers = {};
  var voice = null;
  var speaking = null; // keeps the utterance referenced until it ends (Chrome drops events otherwise)

  function announceNew(calls) {
    var fresh = calls.filter(function (c) { return c.event_id > announced; })
      .sort(function (a, b) { return a.event_id - b.event_id; });
    fresh.forEach(function (c) {
      announced = Math.max(announced, c.event_id);
      var age = Date.now() + skew - Date.parse(c.at);
      if (soundOn && !(age > STALE_MS) && c.counter_number != null && queue.length < MAX_QUEUED) {
        queue.push(c);
      }
    });
    pump();
  }

  function wait(ms) { return new Promise(function (resolve) { setTimeout(resolve, ms); }); }

  function pump() {
    if (busy || !queue.length) return;
    busy = true;
    var call = queue.shift();
    chime()
      .then(function () { return say(call); })
      .catch(function () { /* a failed clip or voice must not stop the next call */ })
      .then(function () { return wait(800); })
      .then(function () { busy = false; pump(); });
  }

  function audioContext() {
    if (!ctx) {
      var AC = window.AudioContext || window.webkitAudioContext;
      if (AC) ctx = new AC();
    }
    return ctx;
  }

  function loadClip(name) {
    if (!buffers[name]) {
      buffers[name] = fetch(config.clips[name])
        .then(function (r) {
          if (!r.ok) throw new Error("clip " + name + ": " + r.status);
          return r.arrayBuffer();
        })
        .then(function (data) {
          return new Promise(function (resolve, reject) { ctx.decodeAudioData(data, resolve, reject); });
        });
      buffers[name].catch(function () { delete buffers[name]; });
    }
    return buffers[name];
  }

  /* Without WebAudio (old TV browsers): one <audio> after the other. */
  function playWithElements(names, gaps) {
    return names.reduce(function (previous, name, i) {
      return previous.then(function () {
        return new Promise(function (resolve) {
          var clip = new Audio(config.clips[name]);
          var done = function () { setTimeout(resolve, (gaps ? gaps[i] : 0) * 1000); };
          clip.onended = done;
          clip.onerror = done;
          var playing = clip.play();
          if (playing && playing.catch) playing.catch(done);
        });
      });
    }, Promise.resolve());
  }

  /* Play decoded clips back to back (short pauses after the phrases); resolve when done. */
  function playClips(names, gaps) {
    if (!audioContext()) return playWithElements(names, gaps);
    return Promise.all(names.map(loadClip)).then(function (list) {
      var t = ctx.currentTime + 0.05;
      list.forEach(function (buffer, i) {
        var src = ctx.createBufferSource();
        src.buffer = buffer;
        src.connect(ctx.destination);
        src.start(t);
        t += buffer.duration + (gaps ? gaps[i] : 0);
      });
      return wait((t - ctx.currentTime) * 1000 + 50);
    });
  }

  function beep() { // fallback chime if the clip cannot be played
    if (!audioContext()) return Promise.resolve();
    [[659.3, 0], [523.3, 0.45]].forEach(function (tone) {
      var osc = ctx.createOscillator(), gain = ctx.createGain(), at = ctx.currentTime + tone[1];
      osc.frequency.value = tone[0];
      gain.gain.setValueAtTime(0.3, at);
      gain.gain.exponentialRampToValueAtTime(0.001, at + 0.9);
      osc.connect(gain); gain.connect(ctx.destination);
      osc.start(at); osc.stop(at + 0.95);
    });
    return wait(1400);
  }

  function chime() { return playClips(["chime"]).catch(beep); }

  function pickVoice() {
    if (!window.speechSynthesis) return null;
    var ids = window.speechSynthesis.getVoices().filter(function (v) {
      return /^id([-_]|$)/i.test(v.lang || "");
    });
    var local = ids.filter(function (v) { return v.localService; });
    return local[0] || ids[0] || null;
  }
  if (window.speechSynthesis) {
    voice = pickVoice();
    window.speechSynthesis.addEventListener("voiceschanged", function () { voice = pickVoice(); });
  }

  function speak(text) {
    return new Promise(function (resolve, reject) {
      var u = new SpeechSynthesisUtterance(text);
      var timer = setTimeout(function () { window.speechSynthesis.cancel(); reject(new Error("timeout")); }, 15000);
      u.lang = voice.lang;
      u.voice = voice;
      u.rate = 0.9;
      u.onend = function () { clearTimeout(timer); speaking = null; resolve(); };
      u.onerror = function (e) { clearTimeout(timer); speaking = null; reject(e); };
      speaking = u;
      window.speechSynthesis.speak(u);
    });
  }

  function sayWithClips(call) {
    var words = callWords(call.number, call.counter_number);
    var gaps = words.map(function (w, i) {
      var next = words[i + 1];
      if (next === PHRASE_COUNTER) return 0.35; // pause before "silakan ke loket"
      return w.indexOf(" ") > 0 ? 0.12 : 0.04;
    });
    return playClips(words.map(clipName), gaps);
  }

  var said = []; // what was read out, newest last (for tests and for a look in the devtools)
  window.MPPBoard = {
    said: said,
    state: function () {
      return { busy: busy, queued: queue.length, sound: soundOn, audio: ctx ? ctx.state : null };
    }
  };

  function say(call) {
    said.push({ number: call.number, counter: call.counter_number, voice: !!voice,
      text: callSentence(call.number, call.counter_number) });
    if (said.length > 20) said.shift();
    if (voice) {
      return speak(callSentence(call.number, call.counter_number)).catch(function () {
        return sayWithClips(call);
      });
    }
    return sayWithClips(call);
  }

  function enableSound() {
    soundOn = true;
    button.hidden = true;
    if (audioContext() && ctx.state !== "running") ctx.resume();
    if (window.speechSynthesis) { // unlock speech inside the user's gesture
      var hush = new SpeechSynthesisUtterance(" ");
      hush.volume = 0;
      window.speechSynthesis.speak(hush);
    }
    if (ctx) { // decode every clip now, so the first call starts at once
      Object.keys(config.clips).forEach(function (name) { loadClip(name).catch(function () {}); });
    }
  }

  var button = document.getElementById("board-sound");
  var probe = audioContext();
  if (probe && probe.state === "running") {
    enableSound(); // autoplay allowed (kiosk TV started with --autoplay-policy=no-user-gesture-required)
  } else {
    button.hidden = false;
    button.addEventListener("click", enableSound);
  }

  /* ---- The stream: EventSource reconnects by itself; we also retry after a hard failure ----
   * `event: status` says whether the server follows changes live or, while its Redis is down,
   * reads the database every few seconds ("backup"): the board stays live either way. */
  var statusNode = document.getElementById("board-status");
  var retryMs = 1000;
  var mode = "live";
  function setStatus(live) {
    var backup = live && mode === "backup";
    statusNode.textContent = live ? (backup ? L.backup : L.live) : L.reconnecting;
    statusNode.className = "board-status " + (live ? (backup ? "is-live is-backup" : "is-live") : "is-offline");
  }
  function onStatus(event) {
    try { mode = JSON.parse(event.data).mode === "backup" ? "backup" : "live"; } catch (e) { return; }
    setStatus(true);
  }
  function onSnapshot(event) {
    retryMs = 1000;
    setStatus(true);
    var snap;
    try { snap = JSON.parse(event.data); } catch (e) { return; }
    draw(snap);
  }
  function connect() {
    if (!window.EventSource) return;
    var source = new EventSource(config.stream);
    source.addEventListener("board", onSnapshot);
    source.addEventListener("status", onStatus);
    source.onmessage = onSnapshot;
    source.onopen = function () { mode = "live"; setStatus(true); };
    source.onerror = function () {
      setStatus(false);
      if (source.readyState === EventSource.CLOSED) { // the browser gave up: try again later
        setTimeout(connect, retryMs);
        retryMs = Math.min(retryMs * 2, 30000);
      }
    };
  }
  connect();
  tick();
})();
