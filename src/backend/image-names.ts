// The names the engine knows its local images by, so that "is this image here?" is answered
// without a call. The engine lists tags and digests in their familiar form ("busybox:1.37",
// "user/app@sha256:..."), so references are brought to that form before they are looked up.
import type { ImageSummary } from './container-backend.ts';

export class ImageNames {
  private names = new Set<string>();
  private digests = new Map<string, readonly string[]>();

  replace(images: readonly ImageSummary[]): void {
    const names = new Set<string>();
    const digests = new Map<string, readonly string[]>();
    for (const image of images) {
      names.add(image.id);
      digests.set(image.id, image.repoDigests);
      for (const tag of image.repoTags) names.add(tag);
      for (const digest of image.repoDigests) names.add(digest);
    }
    this.names = names;
    this.digests = digests;
  }

  /** The repo digests of a local image ID, or undefined when the list does not hold it (yet). */
  repoDigests(imageId: string): readonly string[] | undefined {
    return this.digests.get(imageId);
  }

  /** True when a local image answers to the reference (a tag, a digest, or an image ID). */
  has(reference: string): boolean {
    if (this.names.has(reference)) return true;
    const at = reference.indexOf('@');
    if (at >= 0) {
      // repo:tag@sha256:... is found by its digest alone.
      const repo = familiar(reference.slice(0, at)).replace(/:[^:/]*$/, '');
      return this.names.has(`${repo}${reference.slice(at)}`);
    }
    return this.names.has(familiar(reference));
  }
}

/** docker.io/library/busybox:1 -> busybox:1; docker.io/user/app -> user/app; others unchanged. */
export function familiar(name: string): string {
  for (const hub of ['docker.io/', 'index.docker.io/', 'registry-1.docker.io/']) {
    if (name.startsWith(hub)) {
      const rest = name.slice(hub.length);
      return rest.startsWith('library/') ? rest.slice('library/'.length) : rest;
    }
  }
  return name;
}
