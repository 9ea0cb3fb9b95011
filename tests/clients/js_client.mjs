// The AWS SDK for JavaScript v3 (@aws-sdk/client-ec2, pinned in tests/clients/package.json)
// against `idemsim serve`: tests/serve_clients.sh runs it with node (18 or later).
//
//   node js_client.mjs ENDPOINT launch|resend [--token T] [--intent NAME] [--read-timeout S] [--max-attempts N]
//
// launch: one client.send(new RunInstancesCommand(input)); without --token there is no
//         ClientToken in the input, and the SDK fills one (the idempotencyToken trait).
// resend: one RunInstancesCommand object sent twice, the second send made whatever the first
//         did (an application re-sending its command).
// --max-attempts is the client's maxAttempts (attempts in all; default 3); --read-timeout is the
// NodeHttpHandler's requestTimeout, with throwOnRequestTimeout (no answer for this long: the
// attempt is abandoned).
//
// Prints one JSON line: each send's result or error, and for each of its attempts what went on
// the wire (amz-sdk-invocation-id, amz-sdk-request, the ClientToken in the body), when (seconds
// since the start), how it ended (an HTTP status, or an error's name); and the command's
// input.ClientToken after the sends. Exit 0 when the last send succeeded, 1 otherwise.
import { createRequire } from "node:module";
import { EC2Client, RunInstancesCommand } from "@aws-sdk/client-ec2";

const args = process.argv.slice(2);
const endpoint = args[0], mode = args[1];
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const readTimeoutS = Number(opt("--read-timeout", "60"));
const version = createRequire(import.meta.url)("@aws-sdk/client-ec2/package.json").version;

const client = new EC2Client({
  endpoint,
  region: "us-east-1",
  credentials: { accessKeyId: "AKIDTEST", secretAccessKey: "x" },
  maxAttempts: Number(opt("--max-attempts", "3")),
  // A plain object: the SDK's NodeHttpHandler with these options. requestTimeout is the read
  // timeout (no answer for this long: the attempt is abandoned and retried); with
  // @smithy/node-http-handler 4.14 it only logs a warning unless throwOnRequestTimeout is set.
  requestHandler: { requestTimeout: readTimeoutS * 1000, throwOnRequestTimeout: true, connectionTimeout: 5000 },
});
const t0 = performance.now();
let attempts = [];
// The deserialize step runs once per attempt, inside the retry loop and after signing: the
// request as it goes on the wire.
client.middlewareStack.add(
  (next) => async (a) => {
    const h = a.request.headers ?? {};
    const form = new URLSearchParams(typeof a.request.body === "string" ? a.request.body : "");
    const x = {
      t: Math.round(performance.now() - t0) / 1000,
      invocation_id: h["amz-sdk-invocation-id"] ?? null,
      sdk_request: h["amz-sdk-request"] ?? null,
      token: form.get("ClientToken"),
    };
    attempts.push(x);
    try {
      const out = await next(a);
      x.end = String(out.response?.statusCode ?? "?");
      return out;
    } catch (e) {
      x.end = `${e.name ?? e}${e.code ? " " + e.code : ""}`;
      throw e;
    } finally {
      x.ended = Math.round(performance.now() - t0) / 1000;
    }
  },
  { step: "deserialize", priority: "low", name: "idemsimAttemptLog" },
);

const input = { ImageId: "ami-12345678", InstanceType: "t3.micro", MinCount: 1, MaxCount: 1 };
if (opt("--token")) input.ClientToken = opt("--token");
if (opt("--intent"))
  input.TagSpecifications = [{ ResourceType: "instance", Tags: [{ Key: "idemsim:intent", Value: opt("--intent") }] }];
const command = new RunInstancesCommand(input);
const calls = [];
for (let k = 0; k < (mode === "resend" ? 2 : 1); ++k) {
  attempts = [];
  try {
    const r = await client.send(command);
    calls.push({ ok: true, reservation: r.ReservationId, instances: r.Instances.map((i) => i.InstanceId),
                 token: r.Instances[0].ClientToken ?? null });
  } catch (e) {
    calls.push({ ok: false, error: `${e.name}${e.code ? " " + e.code : ""}`, status: e.$metadata?.httpStatusCode ?? null, message: String(e.message).slice(0, 200) });
  }
  calls[calls.length - 1].attempts = attempts;
}
console.log(JSON.stringify({
  client: `@aws-sdk/client-ec2 ${version} node ${process.version}`,
  calls,
  input_token_after: command.input.ClientToken ?? null,
  input_is_callers_object: command.input === input,
}));
process.exit(calls[calls.length - 1].ok ? 0 : 1);
