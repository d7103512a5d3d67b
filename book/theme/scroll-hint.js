// Whatever scrolls sideways inside a page (a wide table, a long line of code, a figure
// on a phone) says so: a line just above it, in the page's language, and a shadow at
// its right edge. The browser test (crates/browser) holds every such box to it.
(function () {
    "use strict";
    const HINTS = { en: "scrolls sideways →", ko: "옆으로 밀어 보기 →" };
    const hint = HINTS[document.documentElement.lang] || HINTS.en;
    // The box the line goes above: a `pre` for its scrolling `code`.
    function boxOf(el) {
        return el.tagName === "CODE" && el.parentElement.tagName === "PRE" ? el.parentElement : el;
    }
    function mark() {
        for (const el of document.querySelectorAll("main *")) {
            if (el.classList.contains("scroll-hint")) {
                continue;
            }
            const overflow = getComputedStyle(el).overflowX;
            const scrolls = (overflow === "auto" || overflow === "scroll")
                && el.scrollWidth > el.clientWidth + 1;
            const box = boxOf(el);
            const before = box.previousElementSibling;
            const has = before !== null && before.classList.contains("scroll-hint");
            el.classList.toggle("scrolls-sideways", scrolls);
            if (scrolls && !has) {
                const line = document.createElement("div");
                line.className = "scroll-hint";
                line.textContent = hint;
                box.before(line);
            } else if (!scrolls && has && el === box) {
                before.remove();
            }
        }
    }
    window.addEventListener("load", mark);
    window.addEventListener("resize", mark);
    // Speaker notes open later, and what they hold is measured then.
    document.addEventListener("toggle", mark, true);
    // A web font that arrives late changes what fits.
    if (document.fonts) {
        document.fonts.ready.then(mark);
    }
    mark();
})();
