// Small federation 2 subgraphs shared by the supergraph tests. PRICE_AS_STRING conflicts with PRODUCTS on
// Product.price (Int vs String) at a known line, so tests can assert the reported location.

const LINK = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable"])';

export const PRODUCTS_SDL = `${LINK}

type Query {
  products: [Product!]!
}

type Product @key(fields: "upc") {
  upc: ID!
  name: String!
  price: Int @shareable
}
`;

export const INVENTORY_SDL = `${LINK}

type Product @key(fields: "upc") {
  upc: ID!
  inStock: Boolean!
}
`;

/** Declares Product.price as String on line 6, column 3, while PRODUCTS has Int on line 10, column 3. */
export const PRICE_AS_STRING_SDL = `${LINK}

type Product @key(fields: "upc") {
  upc: ID!
  inStock: Boolean!
  price: String @shareable
}
`;
