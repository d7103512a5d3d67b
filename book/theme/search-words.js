// The query side of search in a translated edition. mdBook tokenises its search index
// for English, whose trimmer cuts every Hangul word to nothing; the build rebuilds a
// translated edition's index with a tokenizer for its words (crates/book/src/search.rs)
// and puts this script in front of that index's script (searchindex.js), so that
// elasticlunr splits queries by the same rules before it searches:
// - a word is a run of letters, digits and `_`, split where Hangul meets another script;
// - lowercased; a Hangul word loses one particle from its end (큐를 → 큐; the list of
//   particles comes with the index, `window.search.words.particles`, longest first),
//   as long as a syllable is left and the word is not a particle itself;
// - any other word goes through elasticlunr's English steps (stop words, stemmer).
// The index has an empty pipeline: the tokenizer does it all.
// mdBook's searcher writes its result header ("3 search results for 'x':") in English
// whatever the edition; the index carries the edition's own words for it
// (`window.search.words.results`), and an observer puts them in its place.
(function () {
    "use strict";
    if (typeof elasticlunr === "undefined" || elasticlunr.tokenizer.pipelineLabWords) {
        return;
    }
    const english = elasticlunr.tokenizer;
    const HANGUL = /[\u1100-\u11FF\u3130-\u318F\uA960-\uA97F\uAC00-\uD7FF]/u;
    const WORD = /[\p{Alphabetic}\p{N}_]+/gu;
    function stripParticle(word, particles) {
        if (particles.includes(word)) {
            return word;
        }
        for (const particle of particles) {
            if (word.length > particle.length && word.endsWith(particle)) {
                return word.slice(0, word.length - particle.length);
            }
        }
        return word;
    }
    function words(text) {
        const rules = window.search && window.search.words;
        if (!rules) {
            return english(text);
        }
        const out = [];
        const runs = String(text === null || text === undefined ? "" : text).match(WORD) || [];
        for (const run of runs) {
            const chars = Array.from(run);
            let part = "";
            chars.forEach((c, i) => {
                part += c;
                const next = chars[i + 1];
                if (next === undefined || HANGUL.test(next) !== HANGUL.test(c)) {
                    const word = part.toLowerCase();
                    part = "";
                    if (HANGUL.test(c)) {
                        out.push(stripParticle(word, rules.particles));
                    } else {
                        const kept = elasticlunr.stopWordFilter(elasticlunr.trimmer(word));
                        if (kept) {
                            out.push(elasticlunr.stemmer(kept));
                        }
                    }
                }
            });
        }
        return out;
    }
    words.pipelineLabWords = true;
    words.seperator = english.seperator;
    words.setSeperator = english.setSeperator;
    words.resetSeperator = english.resetSeperator;
    words.getSeperator = english.getSeperator;
    elasticlunr.tokenizer = words;

    const MANY = /^(\d+) search results? for '([\s\S]*)':$/;
    const NONE = /^No search results for '([\s\S]*)'\.$/;
    function fill(template, count, term) {
        return template.replace("{count}", String(count)).replace("{term}", term);
    }
    function translateHeader() {
        const header = document.getElementById("mdbook-searchresults-header");
        if (!header) {
            return;
        }
        const rewrite = () => {
            const rules = window.search && window.search.words && window.search.words.results;
            if (!rules) {
                return;
            }
            const text = header.innerText;
            let m = text.match(MANY);
            if (m) {
                const count = Number(m[1]);
                header.innerText = fill(count === 1 ? rules.one : rules.many, count, m[2]);
                return;
            }
            m = text.match(NONE);
            if (m) {
                header.innerText = fill(rules.none, 0, m[1]);
            }
        };
        new MutationObserver(rewrite).observe(header, {
            childList: true,
            characterData: true,
            subtree: true,
        });
        rewrite();
    }
    if (document.readyState === "loading") {
        document.addEventListener("DOMContentLoaded", translateHeader);
    } else {
        translateHeader();
    }
})();
