// Proof of work for the public report forms (progressive enhancement: without this
// script the form still posts, under a stricter budget). For each form[data-pow], find a
// counter n such that SHA-256(challenge + n) starts with BITS zero bits (BITS is the
// third dot-separated part of the signed challenge), and put n in the solution field.
// Nothing is sent anywhere: the answer travels with the form.
(function () {
  "use strict";
  if (!window.crypto || !window.crypto.subtle || !window.TextEncoder) {
    return;
  }
  var encoder = new TextEncoder();
  var BATCH = 64;

  function zeroBits(bytes) {
    var bits = 0;
    for (var i = 0; i < bytes.length; i++) {
      if (bytes[i] === 0) {
        bits += 8;
        continue;
      }
      return bits + Math.clz32(bytes[i]) - 24;
    }
    return bits;
  }

  function solve(challenge, bits, from) {
    var tries = [];
    for (var n = from; n < from + BATCH; n++) {
      tries.push(window.crypto.subtle.digest("SHA-256", encoder.encode(challenge + n)));
    }
    return Promise.all(tries).then(function (digests) {
      for (var i = 0; i < digests.length; i++) {
        if (zeroBits(new Uint8Array(digests[i])) >= bits) {
          return from + i;
        }
      }
      return solve(challenge, bits, from + BATCH);
    });
  }

  function start(form) {
    var challenge = form.querySelector("input[name='pow_challenge']");
    var solution = form.querySelector("input[name='pow_solution']");
    if (!challenge || !solution) {
      return;
    }
    var bits = parseInt(challenge.value.split(".")[2], 10);
    if (!(bits >= 0 && bits <= 32)) {
      return;
    }
    var waiting = false;
    var done = solve(challenge.value, bits, 0).then(function (n) {
      solution.value = String(n);
    });
    // Sent before the work is done: wait for it, then send (a failure sends anyway).
    form.addEventListener("submit", function (event) {
      if (solution.value !== "" || waiting) {
        return;
      }
      event.preventDefault();
      waiting = true;
      var send = function () {
        form.submit();
      };
      done.then(send, send);
    });
  }

  function init() {
    Array.prototype.forEach.call(document.querySelectorAll("form[data-pow]"), start);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
