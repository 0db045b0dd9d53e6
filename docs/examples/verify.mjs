// Check what the registry signed, offline, with the `jose` package (npm install jose; Node 18+):
// a signed answer ({request_id, payload, jws}: a status answer, a batch with the signed answer of each of its
// results, a change page), one result of a batch ({uscc, status, answer, jws}), or an inclusion proof against a
// signed checkpoint.
//
//   node verify.mjs answer ANSWER.json JWKS.json
//   node verify.mjs inclusion PROOF.json CHECKPOINT.json JWKS.json
import { readFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { isDeepStrictEqual } from "node:util";
import { compactVerify, createLocalJWKSet } from "jose";

const load = (path) => JSON.parse(readFileSync(path, "utf8"));

// The payload the JWS signs, once its Ed25519 signature verifies under the key its kid names.
async function signedPayload(signed, jwks) {
  const { payload } = await compactVerify(signed.jws, createLocalJWKSet(jwks), { algorithms: ["EdDSA"] });
  const data = JSON.parse(new TextDecoder().decode(payload));
  if (!isDeepStrictEqual(data, signed.payload)) throw new Error("the payload beside the JWS is not the one it signs");
  return data;
}

const sha256 = (...parts) => createHash("sha256").update(Buffer.concat(parts)).digest();

// RFC 9162 section 2.1.3.2: the root an audit path leads to from a leaf hash.
function rootFromInclusion(leaf, index, size, path) {
  let fn = BigInt(index), sn = BigInt(size - 1), r = leaf;
  for (const p of path) {
    if (sn === 0n) throw new Error("inclusion proof too long");
    if (fn & 1n || fn === sn) {
      r = sha256(Buffer.from([1]), p, r);
      while (fn && !(fn & 1n)) { fn >>= 1n; sn >>= 1n; }
    } else {
      r = sha256(Buffer.from([1]), r, p);
    }
    fn >>= 1n; sn >>= 1n;
  }
  if (sn !== 0n) throw new Error("inclusion proof too short");
  return r;
}

const [what, ...files] = process.argv.slice(2);
if (what === "answer") {
  let signed = load(files[0]);
  const jwks = load(files[1]);
  // one result of a batch: the subject's own signed answer
  if (!("payload" in signed) && "answer" in signed) signed = { payload: signed.answer, jws: signed.jws };
  const payload = await signedPayload(signed, jwks);
  if (payload.results === undefined) {
    console.log("OK: signed answer for", payload.subject?.uscc ?? "?");
  } else {
    // a batch: each valid subject's result is its own signed answer too (invalid ones are not signed)
    const signedResults = payload.results.filter((r) => "jws" in r);
    for (const r of signedResults) await signedPayload({ payload: r.answer, jws: r.jws }, jwks);
    console.log(`OK: signed batch of ${payload.results.length} results, ${signedResults.length} signed answers among them`);
  }
} else if (what === "inclusion") {
  const proof = load(files[0]);
  const checkpoint = await signedPayload(load(files[1]), load(files[2]));
  if (proof.tree_size !== checkpoint.tree_size) throw new Error("proof and checkpoint are of different sizes");
  const b64 = (s) => Buffer.from(s, "base64");
  const root = rootFromInclusion(b64(proof.leaf_hash), proof.leaf_index, proof.tree_size, proof.audit_path.map(b64));
  if (!root.equals(b64(checkpoint.root_hash))) throw new Error("the proof does not lead to the signed root");
  console.log(`OK: leaf ${proof.leaf_index} is in the log of size ${checkpoint.tree_size}`);
} else {
  console.error("node verify.mjs answer ANSWER.json JWKS.json | inclusion PROOF.json CHECKPOINT.json JWKS.json");
  process.exit(2);
}
