/* Live QA score while an evaluation form is filled in.
 *
 * Mirrors quality/scoring.py exactly (the server's score is the one stored):
 * - yes earns the weight, no earns 0, a scale answer a earns a / max * weight, N/A and an
 *   unanswered criterion count in neither points earned nor points possible;
 * - score = earned / possible * 100, rounded half up to 2 decimals, computed with integers
 *   (BigInt) so that 2/3 gives 66.67 as on the server;
 * - a critical criterion answered "no" (or 0 on a scale) makes the score 0;
 * - passed = no critical failure and score >= pass mark.
 * Reads the data-* attributes the form puts on each answer input; no inline script needed.
 */
(function () {
  "use strict";

  function cents(text) {
    // "12.5" -> 1250n (weights have at most two decimals).
    var parts = String(text).trim().split(".");
    var frac = ((parts[1] || "") + "00").slice(0, 2);
    return BigInt(parts[0] || "0") * 100n + BigInt(frac);
  }

  function gcd(a, b) {
    while (b) { var t = a % b; a = b; b = t; }
    return a;
  }

  function criteriaOf(form) {
    var byKey = {};
    var order = [];
    form.querySelectorAll("input[data-criterion]").forEach(function (input) {
      var key = input.dataset.criterion;
      if (!byKey[key]) {
        byKey[key] = {
          key: key,
          weight: cents(input.dataset.weight),
          kind: input.dataset.kind,
          scaleMax: BigInt(input.dataset.scaleMax || "0"),
          critical: input.dataset.critical === "1",
          required: input.dataset.required === "1",
          answer: null
        };
        order.push(key);
      }
      if (input.checked) { byKey[key].answer = input.value; }
    });
    return order.map(function (k) { return byKey[k]; });
  }

  function compute(criteria, passMark) {
    // Common denominator of all scale maxima so every earned amount is an integer.
    var denom = 1n;
    criteria.forEach(function (c) {
      if (c.kind === "scale" && c.scaleMax > 0n) { denom = denom / gcd(denom, c.scaleMax) * c.scaleMax; }
    });
    var earned = 0n, possible = 0n, critical = false, missing = [];
    criteria.forEach(function (c) {
      if (c.answer === null || c.answer === "") {
        if (c.required) { missing.push(c.key); }
        return;
      }
      if (c.answer === "na") { return; }
      possible += c.weight * denom;
      if (c.kind === "scale") {
        var a = BigInt(c.answer);
        earned += a * c.weight * (denom / c.scaleMax);
        if (c.critical && a === 0n) { critical = true; }
      } else if (c.answer === "yes") {
        earned += c.weight * denom;
      } else if (c.critical) {
        critical = true;
      }
    });
    if (possible === 0n) { return { score: null, missing: missing, critical: critical }; }
    // Hundredths of a percent, half up: floor((2 * e * 10000 + p) / (2 * p)).
    var hundredths = (2n * earned * 10000n + possible) / (2n * possible);
    if (critical) { hundredths = 0n; }
    var whole = hundredths / 100n, frac = String(hundredths % 100n).padStart(2, "0");
    var score = whole + "." + frac;
    var passed = !critical && Number(hundredths) >= Math.round(Number(passMark) * 100);
    return { score: score, passed: passed, missing: missing, critical: critical };
  }

  function update(form) {
    var out = form.querySelector("[data-testid=live-score]") ||
      document.querySelector("[data-testid=live-score]");
    var status = form.querySelector("[data-testid=live-status]") ||
      document.querySelector("[data-testid=live-status]");
    var result = compute(criteriaOf(form), form.dataset.passMark || "0");
    if (!out) { return; }
    out.textContent = result.score === null ? "–" : result.score + "%";
    if (status) {
      var notes = [];
      if (result.critical) { notes.push("critical criterion failed"); }
      else if (result.score !== null) { notes.push(result.passed ? "pass" : "below the pass mark"); }
      if (result.missing.length) { notes.push(result.missing.length + " required still to answer"); }
      status.textContent = notes.join(" · ");
    }
  }

  document.querySelectorAll("form[data-live-score]").forEach(function (form) {
    form.addEventListener("change", function () { update(form); });
    update(form);
  });

  window.ccopsLiveScore = { compute: compute };
})();
