/**
 * User errors: formatting, the cap on listed problems, user text quoted and
 * shortened, and did-you-mean hints that skip words too long to be typos.
 */
import assert from "node:assert/strict";
import {
  closest,
  didYouMean,
  formatProblem,
  MAX_ECHO,
  MAX_LISTED_PROBLEMS,
  quote,
  shorten,
  UserError,
} from "../../engine/errors.ts";

Deno.test("formatProblem: file:line:col, file:line, file, or the bare message", () => {
  assert.equal(formatProblem({ file: "s.yaml", line: 3, col: 7, message: "m" }), "s.yaml:3:7: m");
  assert.equal(formatProblem({ file: "s.yaml", line: 3, message: "m" }), "s.yaml:3: m");
  assert.equal(formatProblem({ file: "s.yaml", message: "m" }), "s.yaml: m");
  assert.equal(formatProblem({ message: "m" }), "m");
});

Deno.test("UserError lists at most MAX_LISTED_PROBLEMS problems and keeps them all", () => {
  const problems = Array.from(
    { length: 120 },
    (_, i) => ({ file: "f", line: i + 1, message: "x" }),
  );
  const e = new UserError(problems);
  const lines = e.message.split("\n");
  assert.equal(lines.length, MAX_LISTED_PROBLEMS + 1);
  assert.equal(lines[0], "f:1: x");
  assert.equal(lines[MAX_LISTED_PROBLEMS - 1], `f:${MAX_LISTED_PROBLEMS}: x`);
  assert.equal(lines[MAX_LISTED_PROBLEMS], `... and ${120 - MAX_LISTED_PROBLEMS} more problem(s)`);
  assert.equal(e.problems.length, 120);
  assert.equal(new UserError("one").message, "one");
});

Deno.test("shorten and quote: at most MAX_ECHO characters of user text, JSON-quoted", () => {
  assert.equal(shorten("abc"), "abc");
  assert.equal(shorten("x".repeat(MAX_ECHO)), "x".repeat(MAX_ECHO));
  assert.equal(shorten("x".repeat(5_000_000)), "x".repeat(MAX_ECHO - 1) + "…");
  assert.equal(shorten("abcdef", 4), "abc…");
  // A surrogate pair is not split: "😀" is two UTF-16 units.
  assert.equal(shorten("ab😀cd", 4), "ab…");
  assert.equal(quote("greedyy"), '"greedyy"');
  assert.equal(quote("a\nb"), '"a\\nb"');
  assert.equal(quote("é".repeat(5000)), `"${"é".repeat(MAX_ECHO - 1)}…"`);
});

Deno.test("closest: likely typos only; long words and hopeless lengths are not searched", () => {
  const ids = ["greedy", "genetic", "local", "rsu", "exhaustive"];
  assert.equal(closest("genetc", ids), "genetic");
  assert.equal(closest("GREEDY", ids), "greedy");
  assert.equal(closest("rus", ids), "rsu"); // a transposition
  assert.equal(closest("zzzzzz", ids), undefined);
  // A 64-character word with one typo is still matched; a 65-character one is not searched.
  const long = "a".repeat(63) + "b";
  assert.equal(closest("a".repeat(63) + "c", [long]), long);
  assert.equal(closest("a".repeat(64) + "c", ["a".repeat(64) + "b"]), undefined);
  assert.equal(closest("g".repeat(5_000_000), ids), undefined);
  // Candidates far longer than the word cannot be within the distance limit.
  assert.equal(closest("greedy", ["greedy" + "x".repeat(1_000_000)]), undefined);
});

Deno.test("didYouMean: a quoted hint or nothing", () => {
  assert.equal(didYouMean("gama", ["gamma", "waiting"]), ' (did you mean "gamma"?)');
  assert.equal(didYouMean("x".repeat(100), ["gamma"]), "");
});
