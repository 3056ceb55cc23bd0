// Netlify build plugin: keep the incremental build's cache between deploys.
//
// Netlify starts every build from a fresh clone, where `.cache/build/` (ignored by git)
// does not exist, so without this every deploy would be a clean build. After a
// successful build this plugin saves, with Netlify's own cache utility (`utils.cache`):
//
//   - `.cache/build/`: the article cache, the output manifest and the URL memory
//     (`urls.json`) of `python build.py build`;
//   - the publish folder (`public/`), which that manifest describes: the next build
//     rewrites only what changed in it, so the deploy after a scheduled fetch of one
//     article renders one article, not the whole site.
//
// and restores them before the next build. The build checks everything it finds there
// (a damaged or foreign cache, or output files not as its manifest recorded them, are
// detected and made again), so this plugin never fails a deploy: a problem is logged
// and the build does more work instead. It never replaces a folder that is already
// there (a local `netlify build` keeps the developer's own), and it only ever deletes
// what it restored itself in this build.
//
// CommonJS, with no dependencies: a local plugin needs no package.json and no npm.

const fs = require('fs')
const path = require('path')

// Where `python build.py build` keeps its cache (generator/pipeline.py, `_cache_dir`).
const BUILD_CACHE = '.cache/build'

// The folders kept between builds: the build cache and the publish folder it describes.
// They are restored together or not at all, so the manifest always describes the
// folder beside it.
// A publish folder that is not a subfolder of the project (the build refuses those) is
// never cached, let alone restored over.
function keptFolders(constants) {
  const publish = path.relative(process.cwd(), path.resolve(constants.PUBLISH_DIR || 'public'))
  const inside = publish !== '' && !publish.startsWith('..') && !path.isAbsolute(publish)
  return inside ? [BUILD_CACHE, publish] : [BUILD_CACHE]
}

function log(message) {
  console.log(`build-cache: ${message}`)
}

// Before the build command: bring back the folders the last successful build saved.
async function onPreBuild({ utils, constants }) {
  const folders = keptFolders(constants)
  const present = folders.filter((folder) => fs.existsSync(folder))
  if (present.length > 0) {
    log(`${present.join(', ')} already here: kept as they are, nothing restored`)
    return
  }
  const restored = []
  try {
    for (const folder of folders) {
      if (await utils.cache.restore(folder)) restored.push(folder)
    }
  } catch (error) {
    // A half-restored folder is worse than none: remove what this plugin brought back.
    for (const folder of folders) fs.rmSync(folder, { recursive: true, force: true })
    log(`could not restore the cache (${error.message}); the build starts afresh`)
    return
  }
  log(restored.length ? `restored ${restored.join(', ')} from the last deploy` : 'nothing cached yet; the build starts afresh')
}

// After a successful build (Netlify runs onPostBuild only then): keep both folders.
// Only production builds save: a deploy preview or branch deploy (another base URL,
// drafts) restores production's cache, which spares it the Markdown, but saving its own
// would make the next production build render every page again.
async function onPostBuild({ utils, constants }) {
  const context = process.env.CONTEXT || 'production'
  if (context !== 'production') {
    log(`a ${context} build: the cache is left as the last production build saved it`)
    return
  }
  const folders = keptFolders(constants)
  try {
    // Forget the last build's copies first: if saving fails half-way, the cache holds
    // less, never one build's manifest beside another build's output.
    await utils.cache.remove(folders)
    const saved = []
    for (const folder of folders) {
      if (await utils.cache.save(folder)) saved.push(folder)
    }
    log(saved.length ? `saved ${saved.join(', ')} for the next deploy` : 'nothing to save')
  } catch (error) {
    try {
      await utils.cache.remove(folders)
    } catch (ignored) {
      // the next build starts afresh either way
    }
    log(`could not save the cache (${error.message}); the next build starts afresh`)
  }
}

module.exports = { onPreBuild, onPostBuild }
