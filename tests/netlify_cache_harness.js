// Runs one event handler of a Netlify build plugin the way Netlify Build would, with a
// stand-in for `utils.cache` that keeps cached folders in a plain folder on disk.
//
//   node netlify_cache_harness.js PLUGIN_DIR SITE_DIR CACHE_DIR EVENT [PUBLISH_DIR] [FAULT]
//
// EVENT is onPreBuild or onPostBuild; the handler runs with SITE_DIR as its working
// folder (as Netlify runs plugins in the build's base folder). Like Netlify's
// @netlify/cache-utils, the stand-in copies files and keeps their times only to the
// millisecond (it sets them from a JavaScript Date), and restore() and save() accept a
// path or a list of paths and resolve to whether anything was restored or saved.
// FAULT makes the stand-in fail as a damaged cache or a full disk would:
//   restore-fails-midway  the second folder restored throws after half of it is copied
//   save-fails-midway     the second folder saved throws (a full disk)
// Exit status: 0 when the handler returned, 1 when it threw (a failed deploy).

'use strict'

const fs = require('fs')
const path = require('path')

const [pluginDir, siteDir, cacheDir, event, publishDir = 'public', fault = ''] = process.argv.slice(2)

function copyTree(src, dest) {
  fs.cpSync(src, dest, { recursive: true, preserveTimestamps: true })
}

function fakeCache() {
  const stored = (p) => path.join(cacheDir, path.relative(siteDir, path.resolve(siteDir, p)))
  let restores = 0
  let saves = 0
  const many = (fn) => async (paths) => {
    const results = []
    for (const p of Array.isArray(paths) ? paths : [paths]) results.push(await fn(p))
    return results.some(Boolean)
  }
  return {
    restore: many(async (p) => {
      if (!fs.existsSync(stored(p))) return false
      restores += 1
      if (fault === 'restore-fails-midway' && restores === 2) {
        const first = fs.readdirSync(stored(p))[0]
        fs.mkdirSync(p, { recursive: true })
        if (first) copyTree(path.join(stored(p), first), path.join(p, first))
        throw new Error('stand-in cache: archive cut short')
      }
      copyTree(stored(p), p)
      return true
    }),
    save: many(async (p) => {
      if (!fs.existsSync(p)) return false
      saves += 1
      if (fault === 'save-fails-midway' && saves === 2) throw new Error('stand-in cache: no space left on device')
      fs.rmSync(stored(p), { recursive: true, force: true })
      copyTree(p, stored(p))
      return true
    }),
    remove: many(async (p) => {
      const had = fs.existsSync(stored(p))
      fs.rmSync(stored(p), { recursive: true, force: true })
      return had
    }),
    has: many(async (p) => fs.existsSync(stored(p))),
  }
}

async function main() {
  const plugin = require(path.resolve(pluginDir))
  process.chdir(siteDir)
  const constants = { PUBLISH_DIR: path.resolve(siteDir, publishDir) }
  await plugin[event]({ utils: { cache: fakeCache() }, constants, inputs: {} })
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(`the plugin threw: ${error.stack}`)
    process.exit(1)
  },
)
