// Precompressed copies for static hosts that serve them (and for `python build.py serve`): for each argument
// pair `source target`, writes target.br (brotli, quality 11) and target.gz (gzip, level 9). Node's zlib, so
// the build needs no Python package for brotli. Called by tools/site.py, which caches the results.
import { readFileSync, writeFileSync } from 'node:fs';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const args = process.argv.slice(2);
for (let i = 0; i < args.length; i += 2) {
  const data = readFileSync(args[i]);
  writeFileSync(`${args[i + 1]}.br`, brotliCompressSync(data, { params: {
    [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_LGWIN]: 24,
    [constants.BROTLI_PARAM_SIZE_HINT]: data.length } }));
  writeFileSync(`${args[i + 1]}.gz`, gzipSync(data, { level: 9 }));
}
