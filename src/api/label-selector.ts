// Kubernetes' LabelSelector, one type and one matcher for all that select by labels: a
// NativeContainer's placement.hostSelector (ContainerHost labels) and a NativeContainerPolicy's
// namespaceSelector (Namespace labels).

export type SelectorOperator = 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';

export interface LabelSelectorRequirement {
  key: string;
  operator: SelectorOperator;
  values?: string[];
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}

/**
 * True when the labels satisfy the selector: every matchLabels pair and every expression holds.
 * As in Kubernetes, {} selects everything and no selector (undefined) nothing. Only the labels' own keys count: a key such as `constructor` or `toString` is
 * there only when the labels have it, never by way of Object's prototype.
 */
export function selects(selector: LabelSelector | undefined, labels: Record<string, string>): boolean {
  if (!selector) return false;
  const byLabels = Object.entries(selector.matchLabels ?? {}).every(
    ([k, v]) => Object.hasOwn(labels, k) && labels[k] === v,
  );
  return byLabels && (selector.matchExpressions ?? []).every((e) => satisfies(e, labels));
}

function satisfies(e: LabelSelectorRequirement, labels: Record<string, string>): boolean {
  const has = Object.hasOwn(labels, e.key);
  const listed = has && (e.values ?? []).includes(labels[e.key]!);
  switch (e.operator) {
    case 'In':
      return listed;
    case 'NotIn':
      return !listed;
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
    default:
      // An operator this code does not know selects nothing, rather than everything.
      return false;
  }
}
