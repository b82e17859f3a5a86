import type DataLoader from 'dataloader';
import { GraphQLError } from 'graphql';
import { type DemoSubgraph, defineDemoSubgraph } from '../shared/demo-subgraph.js';
import { createEntityLoader } from '../shared/entity-loader.js';
import { EventChannel } from '../shared/event-channel.js';
import { appendReview, authorUsernames, findReview, type Review, reset, reviewableUpcs, reviews } from './data.js';

/** Per-request state: fresh loaders, so no request sees another's cache. */
export interface ReviewsContext {
  reviews: DataLoader<string, Review | null, string>;
  reviewsByAuthor: DataLoader<string, Review[] | null, string>;
  reviewsByItem: DataLoader<string, Review[] | null, string>;
}

interface AddReviewInput {
  upc: string;
  authorId: string;
  rating: number;
  body: string;
}

function createContext(): ReviewsContext {
  return {
    reviews: createEntityLoader({ subgraph: 'reviews', entity: 'Review', lookup: (ids: readonly string[]) => ids.map(findReview) }),
    reviewsByAuthor: createEntityLoader({
      subgraph: 'reviews',
      entity: 'User',
      lookup: (ids: readonly string[]) => ids.map((id) => reviews.filter((review) => review.authorId === id)),
    }),
    reviewsByItem: createEntityLoader({
      subgraph: 'reviews',
      entity: 'ProductItem',
      lookup: (upcs: readonly string[]) => upcs.map((upc) => reviews.filter((review) => review.upc === upc)),
    }),
  };
}

function badInput(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT' } });
}

async function itemReviews(item: { upc: string }, ctx: ReviewsContext): Promise<Review[]> {
  return (await ctx.reviewsByItem.load(item.upc)) ?? [];
}

/** `Subscription.reviewAdded`: every review `addReview` appends, published as it is added. */
export const reviewAdded = new EventChannel<Review>();

const resolvers = {
  Query: {
    review: (_: unknown, args: { id: string }) => findReview(args.id),
    latestReviews: (_: unknown, args: { first: number }) => reviews.slice().reverse().slice(0, Math.max(0, args.first)),
  },
  Mutation: {
    addReview: (_: unknown, { input }: { input: AddReviewInput }) => {
      if (!Number.isInteger(input.rating) || input.rating < 1 || input.rating > 5) {
        throw badInput(`rating must be an integer from 1 to 5, got ${input.rating}`);
      }
      if (!authorUsernames.has(input.authorId)) throw badInput(`unknown author ${input.authorId}`);
      if (!reviewableUpcs.has(input.upc)) throw badInput(`unknown product ${input.upc}`);
      if (input.body.trim() === '') throw badInput('body must not be empty');
      const review = appendReview(input);
      reviewAdded.publish(review);
      return review;
    },
  },
  Subscription: {
    reviewAdded: {
      subscribe: () => reviewAdded.subscribe(),
      resolve: (review: Review) => review,
    },
  },
  Review: {
    __resolveReference: (ref: { id: string }, ctx: ReviewsContext) => ctx.reviews.load(ref.id),
    // @provides(fields: "username"): the gateway may read username right here.
    author: (review: Review) => ({ id: review.authorId, username: authorUsernames.get(review.authorId) }),
    item: (review: Review) => ({ upc: review.upc }),
  },
  User: {
    // Loads the user's reviews in the same batch as the other representations; outside
    // Review.author, username is @external here, so only the id is kept.
    __resolveReference: async (ref: { id: string }, ctx: ReviewsContext) => {
      await ctx.reviewsByAuthor.load(ref.id);
      return { id: ref.id };
    },
    reviews: async (user: { id: string }, args: { first: number }, ctx: ReviewsContext) =>
      ((await ctx.reviewsByAuthor.load(user.id)) ?? []).slice(0, Math.max(0, args.first)),
  },
  ProductItem: {
    // Any upc is a valid ProductItem here (products decides whether it exists); loading its reviews
    // now batches them across all representations.
    __resolveReference: async (ref: { upc: string }, ctx: ReviewsContext) => {
      await ctx.reviewsByItem.load(ref.upc);
      return { upc: ref.upc };
    },
    reviews: async (item: { upc: string }, args: { first: number; minRating: number }, ctx: ReviewsContext) =>
      (await itemReviews(item, ctx)).filter((review) => review.rating >= args.minRating).slice(0, Math.max(0, args.first)),
    averageRating: async (item: { upc: string }, _: unknown, ctx: ReviewsContext) => {
      const found = await itemReviews(item, ctx);
      if (found.length === 0) return null;
      return Math.round((found.reduce((sum, review) => sum + review.rating, 0) / found.length) * 100) / 100;
    },
  },
};

/**
 * The reviews subgraph: `Review`, plus reviews of every `User` and of every `ProductItem`
 * (through @interfaceObject, without knowing Product or Bundle).
 *
 * @example const running = await serveDemoSubgraph(createReviewsSubgraph());
 */
export function createReviewsSubgraph(): DemoSubgraph<ReviewsContext> {
  return defineDemoSubgraph({ name: 'reviews', resolvers, createContext, reset });
}
