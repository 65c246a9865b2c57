// Writes a Brotli (`.br`, quality 11) and a gzip (`.gz`, level 9) copy next to every file
// of the built page, for web servers that serve pre-compressed files (nginx
// `gzip_static`/`brotli_static`, Caddy `precompressed`, Apache; see the README's
// "Hosting"). Node's own zlib: no download, the same result on every machine.
// Usage: node build-hooks/precompress.mjs DIR
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';

const dir = process.argv[2];
if (!dir || !fs.statSync(dir).isDirectory()) {
  console.error(`precompress: ${dir} is not a directory`);
  process.exit(1);
}
let count = 0;
for (const name of fs.readdirSync(dir)) {
  const file = path.join(dir, name);
  if (name.endsWith('.br') || name.endsWith('.gz') || !fs.statSync(file).isFile()) continue;
  const data = fs.readFileSync(file);
  const text = /\.(html|js|css|svg|json|txt)$/.test(name);
  fs.writeFileSync(
    `${file}.br`,
    zlib.brotliCompressSync(data, {
      params: {
        [zlib.constants.BROTLI_PARAM_QUALITY]: zlib.constants.BROTLI_MAX_QUALITY,
        [zlib.constants.BROTLI_PARAM_MODE]: text ? zlib.constants.BROTLI_MODE_TEXT : zlib.constants.BROTLI_MODE_GENERIC,
        [zlib.constants.BROTLI_PARAM_SIZE_HINT]: data.length,
      },
    }),
  );
  fs.writeFileSync(`${file}.gz`, zlib.gzipSync(data, { level: zlib.constants.Z_BEST_COMPRESSION }));
  count += 1;
}
console.log(`precompress: .br and .gz written for ${count} files in ${dir}`);
