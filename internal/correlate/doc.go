// Package correlate decides whether reported approaches belong to one
// campaign by their text. A hostile recruiter sends near-identical messages
// to many members and staff, changing the greeting, the recipient's name,
// the fee offered, the dates and the sign-off; what stays the same is the
// body of the lure.
//
// The package works in three steps, all pure functions with no state:
//
//   - Normalize reduces a message to what stays the same across a campaign:
//     folded, lower-cased words with greetings, sign-offs and names removed
//     and amounts, dates, links, addresses and phone numbers replaced by
//     placeholder tokens.
//   - Sign computes a MinHash Signature of the normalized text's word
//     shingles; Similarity estimates the Jaccard similarity of two texts
//     from their signatures, and Bands gives locality-sensitive hashing keys
//     so that a store finds candidate near-duplicates by key look-up instead
//     of comparing every pair.
//   - Cluster groups reports joined by evidence (shared text, indicators or
//     personas) into campaigns, honouring analysts' decisions that two
//     reports belong together or apart.
//
// Texts are never fetched or resolved: correlation sees only the words.
package correlate
