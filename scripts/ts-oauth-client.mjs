// The TypeScript SDK's OAuth client against an egoi-mcp --auth oauth server (run by scripts/mcp-ts-oauth-client).
import { createInterface } from "node:readline";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { UnauthorizedError } from "@modelcontextprotocol/sdk/client/auth.js";

const server = new URL(process.argv[2]);
const redirect = "http://127.0.0.1:9/ts-callback";
const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();

const provider = {
  saved: {},
  get redirectUrl() { return redirect; },
  get clientMetadata() {
    return { redirect_uris: [redirect], client_name: "TypeScript SDK client", token_endpoint_auth_method: "none",
             grant_types: ["authorization_code", "refresh_token"], response_types: ["code"] };
  },
  clientInformation() { return this.saved.client; },
  saveClientInformation(client) { this.saved.client = client; },
  tokens() { return this.saved.tokens; },
  saveTokens(tokens) { this.saved.tokens = tokens; },
  redirectToAuthorization(url) { console.log(JSON.stringify({ authorize: url.toString() })); },
  saveCodeVerifier(verifier) { this.saved.verifier = verifier; },
  codeVerifier() { return this.saved.verifier; },
};

const client = new Client({ name: "ts-oauth-client", version: "1.0.0" });
try {
  await client.connect(new StreamableHTTPClientTransport(server, { authProvider: provider }));
} catch (error) {
  if (!(error instanceof UnauthorizedError)) throw error;
  const landed = new URL((await lines.next()).value);
  const transport = new StreamableHTTPClientTransport(server, { authProvider: provider });
  await transport.finishAuth(landed.searchParams.get("code"));
  await client.connect(transport);
}
const tools = (await client.listTools()).tools.map((tool) => tool.name);
const result = await client.callTool({ name: "egoi_list_lists", arguments: {} });
console.log(JSON.stringify({ tools, result: result.structuredContent, scope: provider.saved.tokens.scope }));
await client.close();
process.exit(0);
