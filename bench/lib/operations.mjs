/**
 * Distinct operations over the benchmark graph for the plan-miss scenario: random but reproducible
 * (seeded) selections, up to four levels deep, crossing all four subgraphs, each text different, so
 * every one needs a new query plan.
 */

const SCALARS = {
  User: ['id', 'name', 'username', 'birthday'],
  Product: ['upc', 'name', 'price', 'weight', 'inStock', 'shippingEstimate'],
  Review: ['id', 'body'],
};
/** @type {Record<string, [string, keyof typeof SCALARS][]>} */
const OBJECTS = {
  User: [['reviews', 'Review']],
  Product: [['reviews', 'Review']],
  Review: [
    ['product', 'Product'],
    ['author', 'User'],
  ],
};

/** mulberry32: a small seeded PRNG so every run and every target get the same operations. */
function random(/** @type {number} */ seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * @param {number} count
 * @param {number} [seed]
 * @returns {string[]} `count` distinct operation texts
 */
export function distinctOperations(count, seed = 20_260_301) {
  const next = random(seed);
  /** @param {keyof typeof SCALARS} type @param {number} depth @returns {string} */
  const selection = (type, depth) => {
    const fields = SCALARS[type].filter(() => next() < 0.5);
    if (fields.length === 0) fields.push(SCALARS[type][Math.floor(next() * SCALARS[type].length)]);
    for (const [field, child] of OBJECTS[type]) {
      if (depth < 4 && next() < 0.6 - depth * 0.12) fields.push(`${field} { ${selection(child, depth + 1)} }`);
    }
    return fields.join(' ');
  };
  const roots = [
    () => `users { ${selection('User', 1)} }`,
    () => `topProducts(first: ${1 + Math.floor(next() * 5)}) { ${selection('Product', 1)} }`,
    () => `me { ${selection('User', 1)} }`,
    () => `user(id: "${1 + Math.floor(next() * 6)}") { ${selection('User', 1)} }`,
  ];
  const seen = new Set();
  /** @type {string[]} */
  const out = [];
  while (out.length < count) {
    const fields = [roots[Math.floor(next() * roots.length)]()];
    if (next() < 0.4) fields.push(roots[Math.floor(next() * roots.length)]().replace(/^(\w+)/, 'second: $1'));
    const body = fields.join(' ');
    if (seen.has(body)) continue;
    seen.add(body);
    out.push(`query Op${out.length + 1} { ${body} }`);
  }
  return out;
}

/**
 * The largest operation Atrium's default limits admit in the planner's worst shape we know: a binary tree
 * of entity fetches (every review asks for its author's reviews and its product's reviews, four levels
 * through fragments, and a second root field with the lower three levels), 272 field selections of
 * `limits.maxSelections: 300`. Issue 16 requires planning
 * and authorization filtering of it to block the event loop for less than 50 ms; the plan-miss scenario
 * reports its planning time on its own line.
 *
 * @param {number} [levels]
 * @returns {string}
 */
export function largestAdmittedOperation(levels = 4) {
  const fragments = Array.from({ length: levels }, (_, i) => {
    const deeper = i + 1 < levels ? `reviews { ...R${i + 1} }` : '';
    return `fragment R${i} on Review { id body author { id username name birthday ${deeper} } product { upc name price weight inStock shippingEstimate ${deeper} } }`;
  });
  const second = levels > 2 ? ` users { reviews { ...R2 } }` : '';
  return `query Largest { topProducts { reviews { ...R0 } }${second} } ${fragments.join(' ')}`;
}
