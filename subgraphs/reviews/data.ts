/** Reviews, seeded in memory; `addReview` appends, `reset()` restores the seed. */

export interface Review {
  id: string;
  /** Upc of the reviewed ProductItem (a Product or a Bundle). */
  upc: string;
  authorId: string;
  rating: number;
  body: string;
}

/**
 * Usernames copied from accounts when a shopper first reviews something, so that Review.author can
 * provide `username` (@provides) without a call to accounts. Must match accounts' data.
 */
export const authorUsernames: ReadonlyMap<string, string> = new Map([
  ['1', 'ada'],
  ['2', 'alan'],
  ['3', 'grace'],
  ['4', 'katherine'],
  ['5', 'konrad'],
  ['6', 'tim'],
  ['7', 'marie'],
  ['8', 'hideo'],
]);

/** Upcs of the catalog as last synchronised from products: only these can be reviewed. */
export const reviewableUpcs: ReadonlySet<string> = new Set([
  '1001', '1002', '1003', '1004', '1005', '1006', '1007', '1008', '1009', '1010', '2001', '2002', '2003',
]);

function seed(): Review[] {
  return [
    { id: '1', upc: '1007', authorId: '1', rating: 5, body: 'Silence on a night train. Worth every cent.' },
    { id: '2', upc: '1007', authorId: '3', rating: 4, body: 'Great sound, the case is bulky.' },
    { id: '3', upc: '1002', authorId: '2', rating: 5, body: 'Finally explains query planning without hand-waving.' },
    { id: '4', upc: '1002', authorId: '5', rating: 3, body: 'Solid, but the chapter on caching is thin.' },
    { id: '5', upc: '1003', authorId: '4', rating: 4, body: 'Sturdy desk, assembly took an afternoon.' },
    { id: '6', upc: '1004', authorId: '7', rating: 2, body: 'One shelf arrived cracked.' },
    { id: '7', upc: '1005', authorId: '1', rating: 5, body: 'Seasoned it once, sears like a dream.' },
    { id: '8', upc: '1005', authorId: '8', rating: 4, body: 'Heavy, as it should be.' },
    { id: '9', upc: '1001', authorId: '3', rating: 3, body: 'Pleasant, if slow.' },
    { id: '10', upc: '1008', authorId: '2', rating: 5, body: 'Tactile switches, no regrets.' },
    { id: '11', upc: '1006', authorId: '6', rating: 1, body: 'The lid rattles when the water boils.' },
    { id: '12', upc: '2001', authorId: '4', rating: 5, body: 'Desk and keyboard in one box, good discount.' },
    { id: '13', upc: '2002', authorId: '5', rating: 4, body: 'Nice gift, the kettle is the star.' },
    { id: '14', upc: '1009', authorId: '8', rating: 5, body: 'Sharp out of the box.' },
  ];
}

/** All reviews, oldest first. Mutated in place by addReview. */
export const reviews: Review[] = seed();

/** Restores the seed reviews. */
export function reset(): void {
  reviews.splice(0, reviews.length, ...seed());
}

export function findReview(id: string): Review | null {
  return reviews.find((review) => review.id === id) ?? null;
}

/** Appends a review with the next numeric id. Validation is the resolver's job. */
export function appendReview(input: Omit<Review, 'id'>): Review {
  const nextId = reviews.reduce((max, review) => Math.max(max, Number(review.id)), 0) + 1;
  const review = { id: String(nextId), ...input };
  reviews.push(review);
  return review;
}
