// The language switch: a link on every page to the same page in the other editions.
// The English book is built into target/book/, each translation into target/book/<dir>/
// from book/po/<lang>.po (`cargo xtask book`). To add a language, add it to EDITIONS.
(function () {
    "use strict";
    const EDITIONS = [
        { lang: "en", dir: "", name: "English" },
        { lang: "ko", dir: "ko/", name: "한국어" },
    ];
    const here = document.documentElement.lang || "en";
    const current = EDITIONS.find((e) => e.lang === here) || EDITIONS[0];
    // `path_to_root` is set by mdBook on every page: "" or "../" repeated once per folder.
    const root = typeof path_to_root === "string" ? path_to_root : "";
    const depth = (root.match(/\.\.\//g) || []).length;
    const parts = window.location.pathname.split("/");
    let page = parts.slice(Math.max(parts.length - 1 - depth, 0)).join("/");
    if (page === "" || page.endsWith("/")) {
        page += "index.html";
    }
    // From this edition's root up to the English one, then down into the other edition.
    const englishRoot = root + "../".repeat(current.dir.split("/").filter(Boolean).length);
    // mdBook's own buttons and search box, in Korean in the Korean edition (done first,
    // so that the switch's own link keeps its title).
    if (here === "ko") {
        const labels = {
            "#mdbook-sidebar-toggle": "목차 열기/닫기",
            "#mdbook-theme-toggle": "테마 바꾸기",
            "#mdbook-search-toggle": "검색 (`/`)",
            'a[href$="print.html"]': "책 전체 인쇄",
            ".previous": "이전 장",
            ".next": "다음 장",
        };
        for (const [selector, label] of Object.entries(labels)) {
            for (const element of document.querySelectorAll(selector)) {
                element.title = label;
                element.setAttribute("aria-label", label);
            }
        }
        const search = document.querySelector("#mdbook-searchbar");
        if (search) {
            search.placeholder = "이 책에서 검색…";
        }
    }
    const nav = document.createElement("nav");
    nav.className = "language-switch";
    nav.setAttribute("aria-label", here === "ko" ? "언어" : "Language");
    for (const edition of EDITIONS) {
        if (edition === current) {
            continue;
        }
        const link = document.createElement("a");
        link.href = englishRoot + edition.dir + page + window.location.hash;
        link.hreflang = edition.lang;
        link.lang = edition.lang;
        link.textContent = edition.name;
        nav.appendChild(link);
    }
    const buttons = document.querySelector("#mdbook-menu-bar .right-buttons, .right-buttons");
    if (buttons) {
        buttons.prepend(nav);
    } else {
        const main = document.querySelector("main") || document.body;
        main.prepend(nav);
    }
})();
