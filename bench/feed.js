// Thaman bench: the page's own script. An infinite feed that appends posts
// in batches of 10 as the viewport nears the bottom, every 10th post an ad,
// in markup resembling the Facebook feed or the X timeline (chosen by the
// host it is served at). Deterministic: the same posts, in the same order,
// in every run, so runs with and without the extension see the same page.
(() => {
  'use strict';
  const X = /(^|\.)(x|twitter)\.com$/.test(location.hostname);
  const BATCH = 10;
  const AD_EVERY = 10;          // post 10, 20, 30, … is an ad
  const LOAD_DELAY_MS = 120;     // a "network" round trip for each batch
  const AHEAD_PX = 2400;         // load when the bottom is this close
  const KEEP_ABOVE_SCREENS = 3;  // X: cells further above are removed (virtualized list)

  // mulberry32: a small seeded PRNG.
  let seed = 0x7ea5eed;
  function rand() {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  const pick = (list) => list[Math.floor(rand() * list.length)];
  const int = (lo, hi) => lo + Math.floor(rand() * (hi - lo + 1));

  const WORDS = ('the a of to and in is it you that he was for on are with as his they be at one have this from or had by ' +
    'word but what some we can out other were all there when up use your how said an each she which do their time if will way ' +
    'about many then them write would like so these her long make thing see him two has look more day could go come did number ' +
    'sound no most people my over know water than call first who may down side been now find any new work part take get place ' +
    'made live where after back little only round man year came show every good me give our under name very through just form ' +
    'sentence great think say help low line differ turn cause much mean before move right boy old too same tell does set three ' +
    'want air well also play small end put home read hand port large spell add even land here must big high such follow act why ' +
    'ask men change went light kind off need house picture try us again animal point mother world near build self earth father').split(' ');
  const NAMES = ['Samir Haddad', 'Hala Nasser', 'Omar Khalil', 'Lina Saleh', 'Yusuf Amin', 'Maya Farah', 'Karim Aziz', 'Nour Issa',
    'Rami Toma', 'Dina Jaber', 'Ziad Rahal', 'Sara Mansour', 'Tariq Bakr', 'Layla Hamdan', 'Fadi Karam', 'Rana Sabbagh'];
  const BRANDS = ['Acme Cloud', 'Northwind Shoes', 'Globex Travel', 'Initech Bank', 'Umbrella Games', 'Stark Phones', 'Wonka Snacks'];
  const escape = (s) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);

  function sentence() {
    const n = int(5, 18);
    const words = [];
    for (let i = 0; i < n; i++) words.push(pick(WORDS));
    const s = words.join(' ');
    return s[0].toUpperCase() + s.slice(1) + pick(['.', '.', '.', '!', '?']);
  }
  const paragraph = () => Array.from({ length: int(1, 5) }, sentence).join(' ');
  const hue = () => int(0, 359);
  const avatar = () => `background:linear-gradient(135deg,hsl(${hue()} 60% 55%),hsl(${hue()} 70% 40%))`;
  function media() {
    if (rand() < 0.4) return '';
    const h = int(180, 420);
    return `<div class="media" ${X ? 'data-testid="tweetPhoto"' : ''} style="height:${h}px;background:` +
      `radial-gradient(circle at ${int(10, 90)}% ${int(10, 90)}%,hsl(${hue()} 80% 70%),transparent 60%),` +
      `linear-gradient(${int(0, 180)}deg,hsl(${hue()} 50% 45%),hsl(${hue()} 50% 25%))"></div>`;
  }

  let made = 0;   // posts made so far
  let ads = 0;

  function facebookPost(i, ad) {
    const name = ad ? pick(BRANDS) : pick(NAMES);
    // As on Facebook, the line under the name is a link labelled by a
    // hidden element: "Sponsored" for an ad, the time for a post.
    const meta = ad
      ? `<a href="/ads/about/?entry_product=ad_preferences&amp;id=${i}" aria-labelledby="l${i}"><span id="l${i}">Sponsored</span></a> · <span aria-hidden="true">🌐</span>`
      : `<a href="/permalink.php?story_fbid=${i}&amp;id=${1000 + i}" aria-labelledby="l${i}"><span id="l${i}">${int(1, 23)}h</span></a> · <span aria-hidden="true">🌐</span>`;
    return `<div class="x1yztbdb" data-pagelet="FeedUnit_${i}">
  <div role="article" aria-posinset="${i + 1}" aria-labelledby="h${i}">
    <div class="fb-head"><div class="av" style="${avatar()}"></div>
      <div><h4 class="name" id="h${i}"><a href="/profile.php?id=${1000 + i}">${escape(name)}</a></h4><div class="meta">${meta}</div></div></div>
    <div class="text" dir="auto" data-ad-preview="message">${escape(paragraph())}</div>
    ${media()}
    <div class="counts"><span>${int(0, 999)} reactions</span><span>${int(0, 99)} comments</span></div>
    <div class="fb-bar"><div role="button" tabindex="0">Like</div><div role="button" tabindex="0">Comment</div><div role="button" tabindex="0">Share</div></div>
  </div>
</div>`;
  }

  function xPost(i, ad) {
    const name = ad ? pick(BRANDS) : pick(NAMES);
    const handle = name.toLowerCase().replace(/[^a-z]+/g, '_');
    const tracking = ad
      ? `<div data-testid="placementTracking"><div data-testid="top-impression-pixel"></div><div data-testid="bottom-impression-pixel"></div></div>`
      : '';
    return `<div data-testid="cellInnerDiv"><div><div>
  <article data-testid="tweet" role="article" tabindex="0" aria-labelledby="u${i}">
    <div class="av" data-testid="Tweet-User-Avatar" style="${avatar()}"></div>
    <div class="x-body">
      <div data-testid="User-Name" id="u${i}"><a class="name" href="/${handle}"><div dir="ltr"><span>${escape(name)}</span></div></a>
        <div dir="ltr" class="meta"><span>@${handle}</span> · ${ad ? '' : `<a href="/${handle}/status/${1e9 + i}"><time>${int(1, 23)}h</time></a>`}</div></div>
      <div data-testid="tweetText" lang="en" dir="auto" class="text"><span>${escape(paragraph())}</span></div>
      ${media()}
      ${ad ? '<div class="x-ad" dir="ltr"><span>Ad</span></div>' : ''}
      <div role="group" class="x-group">
        <button data-testid="reply">${int(0, 99)}</button><button data-testid="retweet">${int(0, 99)}</button>
        <button data-testid="like">${int(0, 999)}</button><a href="/${handle}/status/${1e9 + i}/analytics">${int(1, 99)}K</a>
      </div>
    </div>
  </article>
  ${tracking}
</div></div></div>`;
  }

  // --- the page's shell -------------------------------------------------------
  const root = document.getElementById('root');
  let list;      // the element posts are appended to
  let spacer;    // X: stands in for the removed cells above
  if (X) {
    document.body.classList.add('x');
    root.innerHTML = `<div class="columns">
  <header role="banner" class="side"><nav aria-label="Primary role"><a href="/home">Home</a><a href="/explore">Explore</a><a href="/notifications">Notifications</a><a href="/messages">Messages</a></nav></header>
  <main role="main" class="main"><div data-testid="primaryColumn"><div class="tabs" role="tablist"></div>
    <section aria-labelledby="accessible-list-0" role="region"><h1 id="accessible-list-0" style="position:absolute;clip:rect(1px,1px,1px,1px)">Your Home Timeline</h1>
      <div aria-label="Timeline: Your Home Timeline"><div id="spacer"></div><div id="list" style="position:relative"></div></div>
    </section></div></main>
  <div class="side" data-testid="sidebarColumn"></div>
</div>`;
    spacer = document.getElementById('spacer');
  } else {
    root.innerHTML = `<div class="topbar" role="banner"><div class="logo"></div><div class="search" role="search"></div></div>
<div class="columns">
  <div class="side" role="navigation"><a href="/me">Your profile</a><a href="/friends">Friends</a><a href="/groups">Groups</a><a href="/marketplace">Marketplace</a><a href="/watch">Watch</a></div>
  <div class="main" role="main"><div role="feed" id="list"></div></div>
  <div class="side" role="complementary"></div>
</div>`;
  }
  list = document.getElementById('list');
  const loader = document.createElement('div');
  loader.className = 'loading';
  loader.setAttribute('role', 'progressbar');
  loader.setAttribute('aria-label', 'Loading…');
  list.after(loader);

  const tpl = document.createElement('template');
  function appendBatch() {
    let html = '';
    for (let k = 0; k < BATCH; k++) {
      const ad = (made + 1) % AD_EVERY === 0;
      html += X ? xPost(made, ad) : facebookPost(made, ad);
      made++;
      if (ad) ads++;
    }
    tpl.innerHTML = html;
    // One insertion per post, as a framework rendering a list does.
    for (const post of Array.from(tpl.content.children)) list.append(post);
    if (X) prune();
    window.__feed = { posts: made, ads, removed };
  }

  // X keeps only the cells near the viewport; the height of those removed
  // above moves into the spacer so the scroll position holds.
  let removed = 0;
  function prune() {
    const limit = -KEEP_ABOVE_SCREENS * innerHeight;
    let gone = 0;
    while (list.firstElementChild) {
      const cell = list.firstElementChild;
      const box = cell.getBoundingClientRect();
      if (box.bottom > limit) break;
      gone += box.height;
      cell.remove();
      removed++;
    }
    if (gone) spacer.style.height = `${(parseFloat(spacer.style.height) || 0) + gone}px`;
  }

  let loading = false;
  function nearBottom() {
    return loader.getBoundingClientRect().top < innerHeight + AHEAD_PX;
  }
  function load() {
    if (loading) return;
    loading = true;
    list.parentElement.setAttribute('aria-busy', 'true');
    setTimeout(() => {
      appendBatch();
      loading = false;
      list.parentElement.setAttribute('aria-busy', 'false');
      // Still near the bottom after a batch (fast scrolling): load on.
      requestAnimationFrame(() => { if (nearBottom()) load(); });
    }, LOAD_DELAY_MS);
  }
  new IntersectionObserver((entries) => {
    if (entries.some((e) => e.isIntersecting)) load();
  }, { rootMargin: `0px 0px ${AHEAD_PX}px 0px` }).observe(loader);
  appendBatch();
})();
