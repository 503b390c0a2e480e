/* The browser's gettext over the same compiled catalogue as the server (web/i18n/catalogs.py).
   t("Assign to {name}", {name}) looks the English msgid up and fills {placeholders};
   nt("{n} message", "{n} messages", n, {n}) picks the plural form the locale's rules ask for
   (Intl.PluralRules, categories in gettext order from the catalogue). A missing entry falls back to
   English, marked ⟦...⟧ when the server runs with MURMUR_DEBUG. `fmt` formats dates, times, numbers and
   money with Intl in the reader's language, time zone and calendar (Thai: Buddhist Era by default). */
(function () {
  "use strict";
  var root = document.documentElement;
  var data = window.MURMUR_I18N || { messages: {}, plural: ["one", "other"] };
  var messages = data.messages || {};
  var locale = root.getAttribute("data-locale") || root.lang || "en";
  var timeZone = root.getAttribute("data-timezone") || "UTC";
  var calendar = root.getAttribute("data-calendar") || "gregory";
  var debug = root.getAttribute("data-i18n-debug") === "1" && !/^en\b/.test(locale);
  var has = Object.prototype.hasOwnProperty;
  var plurals = null;
  try { plurals = new Intl.PluralRules(locale); } catch (e) { plurals = new Intl.PluralRules("en"); }

  function fill(text, vars) {
    if (!vars) return text;
    return text.replace(/\{(\w+)\}/g, function (whole, key) {
      return has.call(vars, key) ? String(vars[key]) : whole;
    });
  }
  function missing(text) { return debug ? "⟦" + text + "⟧" : text; }

  window.t = function (msgid, vars) {
    var text = has.call(messages, msgid) && typeof messages[msgid] === "string" && messages[msgid]
      ? messages[msgid] : missing(msgid);
    return fill(text, vars);
  };
  window.nt = function (singular, plural, n, vars) {
    var forms = has.call(messages, singular) ? messages[singular] : null;
    var text;
    if (Array.isArray(forms) && forms.length) {
      var index = (data.plural || ["other"]).indexOf(plurals.select(n));
      text = forms[index >= 0 && index < forms.length ? index : forms.length - 1];
    } else {
      text = missing(n === 1 ? singular : plural);
    }
    return fill(text, vars || { n: n });
  };

  /* An alert's sentence (inbox/insights/alert_sentence.py) in the reader's language: its template with
   * the period said with this language's plural forms ("5 minutes", "5 分鐘", "5 นาที"). */
  window.alertSentence = function (a) {
    if (!a || !a.template) return a ? a.sentence : "";
    var args = Object.assign({}, a.args || {});
    if (args.where_is_msgid) args.where = t(args.where);
    var s = args.seconds;
    if (typeof s === "number" && s > 0) {
      if (s % 86400 === 0) args.period = nt("{n} day", "{n} days", s / 86400);
      else if (s % 3600 === 0) args.period = nt("{n} hour", "{n} hours", s / 3600);
      else args.period = nt("{n} minute", "{n} minutes", Math.max(1, Math.round(s / 60)));
    }
    return t(a.template, args);
  };

  /* Why a conversation waits in a queue, in the reader's language. Routing (escalation/routing.py)
   * stores an English sentence naming the team by id ("waiting: no agent in team 3 is online"); the
   * page knows the team's name, so the sentence is rebuilt from its parts. Any other text is shown
   * as stored. */
  var WAITING = [
    [/^waiting: team (\d+) has no agents$/, function (m, team) { return t("{team} has no agents", { team: team(m[1]) }); }],
    [/^waiting: no agent (?:in team (\d+)|available) is online$/, function (m, team) {
      return m[1] ? t("No agent of {team} is online", { team: team(m[1]) }) : t("No agent is online"); }],
    [/^waiting: no online agent (?:in team (\d+)|available) handles (.+)$/, function (m, team) {
      return m[1] ? t("No online agent of {team} handles {channel}", { team: team(m[1]), channel: m[2] })
        : t("No online agent handles {channel}", { channel: m[2] }); }],
    [/^waiting: no online agent (?:in team (\d+)|available) speaks (.+)$/, function (m, team) {
      var lang = m[2];
      try { lang = new Intl.DisplayNames([locale], { type: "language" }).of(m[2]) || m[2]; } catch (e) { /* keep the code */ }
      return m[1] ? t("No online agent of {team} speaks {language}", { team: team(m[1]), language: lang })
        : t("No online agent speaks {language}", { language: lang }); }],
    [/^waiting: every eligible online agent (?:in team (\d+)|available) is at capacity$/, function (m, team) {
      return m[1] ? t("Every online agent of {team} who could take it is at capacity", { team: team(m[1]) })
        : t("Every online agent who could take it is at capacity"); }],
    [/^handed to the team$/, function () { return t("Handed back to the team"); }],
  ];
  window.queueReason = function (reason, teamName) {
    if (!reason) return "";
    var name = function (id) { return (teamName && teamName(Number(id))) || t("team {id}", { id: id }); };
    for (var i = 0; i < WAITING.length; i++) {
      var m = WAITING[i][0].exec(reason);
      if (m) return WAITING[i][1](m, name);
    }
    return reason;
  };

  var tag = locale + (calendar === "buddhist" ? "-u-ca-buddhist" : "-u-ca-gregory");
  function when(value) { return value instanceof Date ? value : new Date(value); }
  function formatter(options) {
    try { return new Intl.DateTimeFormat(tag, Object.assign({ timeZone: timeZone }, options)); }
    catch (e) { return new Intl.DateTimeFormat(locale, options); }
  }
  var rtf = null;
  try { rtf = new Intl.RelativeTimeFormat(locale, { numeric: "auto" }); } catch (e) { rtf = null; }
  var STEPS = [[60, "second"], [60, "minute"], [24, "hour"], [7, "day"], [4.345, "week"], [12, "month"],
    [Infinity, "year"]];

  window.fmt = {
    locale: locale,
    timeZone: timeZone,
    date: function (v, style) { return formatter({ dateStyle: style || "medium" }).format(when(v)); },
    time: function (v) { return formatter({ timeStyle: "short" }).format(when(v)); },
    dateTime: function (v, style) {
      return formatter({ dateStyle: style || "medium", timeStyle: "short" }).format(when(v));
    },
    parts: function (v, options) { return formatter(options).format(when(v)); },
    /* "3 minutes ago", "ใน 2 ชั่วโมง", "3 分鐘前" */
    relative: function (v, now) {
      var seconds = (when(v).getTime() - (now ? when(now) : new Date()).getTime()) / 1000;
      var amount = seconds;
      for (var i = 0; i < STEPS.length; i++) {
        if (Math.abs(amount) < STEPS[i][0]) {
          return rtf ? rtf.format(Math.round(amount), STEPS[i][1]) : window.fmt.dateTime(v);
        }
        amount = amount / STEPS[i][0];
      }
      return window.fmt.dateTime(v);
    },
    number: function (n, options) { return new Intl.NumberFormat(locale, options).format(n); },
    percent: function (n, digits) {
      return new Intl.NumberFormat(locale, { style: "percent", maximumFractionDigits: digits || 0 }).format(n);
    },
    money: function (n, currency) {
      return new Intl.NumberFormat(locale, { style: "currency", currency: currency }).format(n);
    },
  };
})();
