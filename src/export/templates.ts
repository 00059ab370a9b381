import type { ExportInfo } from './single-model-app.js';

/*
 * Texts written into exports. The container image needs no registry at build time: the runtime
 * is one bundled file, and the only native module (onnxruntime-node, ONNX models only) is
 * copied into the context.
 */

export const CONTAINER_PORT = 8080;

export function dockerfile(o: { native: boolean }): string {
  return [
    '# Serves one model version with the HTTP surface of `puente serve`.',
    'FROM node:20-slim',
    'WORKDIR /app',
    `ENV NODE_ENV=production PORT=${CONTAINER_PORT}`,
    'COPY package.json export.json server.mjs ./',
    'COPY model/ ./model/',
    ...(o.native ? ['# onnxruntime-node is native: copied as installed, Linux libraries only.', 'COPY node_modules/ ./node_modules/'] : []),
    'USER node',
    `EXPOSE ${CONTAINER_PORT}`,
    `HEALTHCHECK --interval=30s --timeout=3s CMD ["node", "-e", "fetch('http://127.0.0.1:${CONTAINER_PORT}/ping').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]`,
    `CMD ["node", "server.mjs", "--host", "0.0.0.0", "--port", "${CONTAINER_PORT}"]`,
    '',
  ].join('\n');
}

export function dockerignore(): string {
  return ['README.md', 'Dockerfile', '.dockerignore', '**/.DS_Store', ''].join('\n');
}

export function dockerReadme(info: ExportInfo, native: boolean): string {
  const image = `${info.name.toLowerCase().replace(/[^a-z0-9._-]+/g, '-')}:${info.version}`;
  return `# ${info.name} version ${info.version} (${info.format}), as a container

Exported by Puente ${info.puente_version} on ${info.exported_at}.

- \`model/\`: the model bundle, as registered (\`puente.json\` lists the sha256 of every file; they are checked again when the server starts).
- \`server.mjs\`: the serving runtime, one self-contained file (Fastify, request parsing, preprocessing and the model runtimes of Puente, bundled with esbuild). It needs nothing from npm at build time.
${native ? '- `node_modules/`: onnxruntime-node, the one native module, with its Linux x64 and arm64 libraries.\n' : ''}
## Build and run

\`\`\`sh
docker build -t ${image} .
docker run -p ${CONTAINER_PORT}:${CONTAINER_PORT} -e PUENTE_SERVE_TOKEN=change-me ${image}
\`\`\`

The container listens on 0.0.0.0, so predictions need \`Authorization: Bearer <PUENTE_SERVE_TOKEN>\`; it refuses to start without a token unless \`PUENTE_SERVE_ALLOW_UNAUTHENTICATED=1\` is set (for a gateway in front that authenticates). \`/ping\`, \`/health\`, \`/version\`, \`/metrics\` and the \`/v2\` health paths stay open for orchestrators. \`PUENTE_LOG_LEVEL\` (default \`info\`) sets the log level.

## Endpoints

Same as \`puente serve\` (and \`mlflow models serve\`):

- \`POST /invocations\`: MLflow scoring bodies (\`dataframe_split\`, \`dataframe_records\`, \`instances\`, \`inputs\`, CSV).
- \`GET /ping\`, \`GET /health\`, \`GET /version\`, \`GET /metrics\`.
- Open Inference: \`GET /v2/models/${info.name}\`, \`POST /v2/models/${info.name}/infer\`, \`/v2/health/live\`, \`/v2/health/ready\`.

Without Docker: \`node server.mjs --port ${CONTAINER_PORT}\` (listens on 127.0.0.1 by default).
`;
}

export function lambdaReadme(info: ExportInfo, native: boolean): string {
  return `# ${info.name} version ${info.version} (${info.format}), as an AWS Lambda function

Exported by Puente ${info.puente_version} on ${info.exported_at}.

- \`index.mjs\`: the handler (\`index.handler\`), one bundled file. The model in \`model/\` is read, verified and loaded once per container, when the module is imported (the cold start); the load time is logged as one JSON line.
- Runtime: Node.js 20 (\`nodejs20.x\`) or later. Give the function enough memory for the model; the handler needs no environment variables (\`PUENTE_LOG_LEVEL\`, default \`warn\`, is optional).
${native
    ? `- ONNX models need onnxruntime-node, which is native and cannot be bundled. It is copied into \`node_modules/\` here (Linux x64 and arm64 libraries, about 70 MB, within Lambda's 250 MB unzipped limit), which is where \`index.mjs\` imports it from. To ship it in a layer instead, put that \`node_modules/\` under the layer's \`nodejs/\`; an ES module does not search NODE_PATH, so check that your runtime resolves \`/opt/nodejs/node_modules\` for ES modules before removing it from the function.\n`
    : '- XGBoost models run on Puente\'s own evaluator: nothing native is needed.\n'}
## Events

API Gateway HTTP APIs and Function URLs (payload 2.0), and REST APIs (payload 1.0). Requests are answered as \`puente serve\` answers them:

- \`POST /invocations\`: MLflow scoring bodies (\`dataframe_split\`, \`dataframe_records\`, \`instances\`, \`inputs\`, CSV); base64-encoded bodies are decoded.
- \`POST /v2/models/${info.name}/infer\`, \`GET /v2/models/${info.name}\`: Open Inference.
- \`GET /ping\`, \`GET /health\`, \`GET /version\`.

A wrong method on a known path is 405 with \`Allow\`; unknown paths are 404; bad rows are 400 naming the row and column.
Authentication is left to the function URL (AWS_IAM) or the API Gateway authorizer.

## Deploy

\`\`\`sh
(cd . && zip -qr ../${info.name}-${info.version}.zip .)
aws lambda create-function --function-name ${info.name} --runtime nodejs20.x --handler index.handler \\
  --zip-file fileb://../${info.name}-${info.version}.zip --role <execution-role-arn> --memory-size 1024 --timeout 30
\`\`\`
`;
}
