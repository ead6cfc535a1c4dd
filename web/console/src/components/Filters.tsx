import { STATUSES, type ListFilter } from '../api/client';

export interface FiltersProps {
  value: ListFilter;
  onChange: (f: ListFilter) => void;
}

/** Filters narrows the list by status, region and customer. */
export function Filters({ value, onChange }: FiltersProps) {
  return (
    <form className="filters" aria-label="Filter orders" onSubmit={(e) => e.preventDefault()}>
      <label>
        Status
        <select
          name="status"
          value={value.status ?? ''}
          onChange={(e) => onChange({ ...value, status: (e.target.value || undefined) as ListFilter['status'] })}
        >
          <option value="">any</option>
          {STATUSES.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
      </label>
      <label>
        Region
        <input
          name="region"
          value={value.region ?? ''}
          placeholder="any"
          maxLength={32}
          onChange={(e) => onChange({ ...value, region: e.target.value.trim() || undefined })}
        />
      </label>
      <label>
        Customer
        <input
          name="customer_id"
          value={value.customer_id ?? ''}
          placeholder="any"
          maxLength={64}
          onChange={(e) => onChange({ ...value, customer_id: e.target.value.trim() || undefined })}
        />
      </label>
      {(value.status || value.region || value.customer_id) && (
        <button type="button" className="link" onClick={() => onChange({})}>
          Clear filters
        </button>
      )}
    </form>
  );
}
