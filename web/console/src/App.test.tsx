import { act, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from './api/client';
import { App } from './App';
import { makeToken } from './testing/token';
import { FakeOrders } from './testing/fakeClient';

const editor = () => makeToken({ sub: 'ann', roles: ['editor'], exp: Math.floor(Date.now() / 1000) + 3600 });
const viewer = () => makeToken({ sub: 'vic', roles: ['viewer'], exp: Math.floor(Date.now() / 1000) + 3600 });

function setup(api: FakeOrders, token?: string) {
  if (token) sessionStorage.setItem('console.token', token);
  const makeClient = () => api;
  const user = userEvent.setup();
  render(<App makeClient={makeClient} />);
  return user;
}

describe('App', () => {
  let api: FakeOrders;
  beforeEach(() => {
    api = new FakeOrders();
    api.add({ customer_id: 'cust-001', region: 'us-east' });
    api.add({ customer_id: 'cust-002', region: 'eu-west', status: 'shipped' });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('signs in with a pasted token and lists the orders', async () => {
    const user = setup(api);
    await user.click(screen.getByLabelText('Access token'));
    await user.paste(editor());
    await user.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByText('cust-001')).toBeTruthy();
    expect(screen.getByText('cust-002')).toBeTruthy();
    expect(screen.getByText(/Signed in as/).textContent).toMatch(/ann \(editor\)/);
  });

  it('shows why a token is refused, inline', async () => {
    const user = setup(api);
    await user.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(screen.getByRole('alert').textContent).toBe('Paste a token.');
    api.list = async () => {
      throw new ApiError(401, 'signature is invalid');
    };
    await user.click(screen.getByLabelText('Access token'));
    await user.paste(editor());
    await user.click(screen.getByRole('button', { name: 'Sign in' }));
    expect((await screen.findByRole('alert')).textContent).toBe('orders-api rejected this token: signature is invalid');
  });

  it('filters by status', async () => {
    const user = setup(api, editor());
    await screen.findByText('cust-001');
    await user.selectOptions(screen.getByLabelText('Status'), 'shipped');
    await waitFor(() => expect(screen.queryByText('cust-001')).toBeNull());
    expect(screen.getByText('cust-002')).toBeTruthy();
    expect(api.calls.at(-1)).toBe('list {"status":"shipped","limit":50}');
  });

  it('creates an order after inline validation, then cancels it', async () => {
    const user = setup(api, editor());
    await screen.findByText('cust-001');
    const form = screen.getByRole('form', { name: 'New order' });
    await user.click(within(form).getByRole('button', { name: 'Create order' }));
    expect(within(form).getByText('Enter a customer id.')).toBeTruthy();
    expect(within(form).getByText('Enter a SKU.')).toBeTruthy();
    expect(api.calls.some((c) => c.startsWith('create'))).toBe(false);

    await user.type(within(form).getByLabelText('Customer id'), 'cust-new');
    await user.type(within(form).getByLabelText('Region'), 'eu-west');
    await user.type(within(form).getByLabelText('SKU'), 'sku-9');
    await user.clear(within(form).getByLabelText('Quantity'));
    await user.type(within(form).getByLabelText('Quantity'), '3');
    await user.type(within(form).getByLabelText('Unit price (EUR)'), '2.50');
    await user.click(within(form).getByRole('button', { name: 'Create order' }));

    expect((await screen.findByRole('status')).textContent).toMatch(/created for cust-new/);
    const row = screen.getByText('cust-new').closest('tr')!;
    expect(within(row).getByText('pending')).toBeTruthy();
    expect(within(row).getByText('€7.50')).toBeTruthy();
    expect((within(form).getByLabelText('Customer id') as HTMLInputElement).value).toBe('');

    await user.click(within(row).getByRole('button', { name: /Cancel order/ }));
    await waitFor(() => expect(within(row).getByText('cancelled')).toBeTruthy());
    expect(within(row).queryByRole('button', { name: /Cancel order/ })).toBeNull();
  });

  it('shows the API down, retries on its own and recovers', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    api.down = true;
    setup(api, editor());
    const banner = await screen.findByRole('alert');
    expect(banner.textContent).toMatch(/Cannot reach orders-api/);
    expect(banner.textContent).toMatch(/Retrying in 2s \(attempt 2\)/);
    expect(screen.getByText('Orders console')).toBeTruthy(); // not a blank page
    const before = api.calls.length;
    await act(async () => {
      await vi.advanceTimersByTimeAsync(2100);
    });
    expect(api.calls.length).toBeGreaterThan(before);
    expect((await screen.findByRole('alert')).textContent).toMatch(/Retrying in 4s \(attempt 3\)/);
    api.down = false;
    await act(async () => {
      await vi.advanceTimersByTimeAsync(4100);
    });
    expect(await screen.findByText('cust-001')).toBeTruthy();
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('goes back to sign-in when the token expires', async () => {
    const user = setup(api, editor());
    await screen.findByText('cust-001');
    api.list = async () => {
      throw new ApiError(401, 'token has expired');
    };
    await user.selectOptions(screen.getByLabelText('Status'), 'pending');
    expect((await screen.findByRole('status')).textContent).toBe('Your session ended (token has expired). Sign in again.');
    expect(screen.getByLabelText('Access token')).toBeTruthy();
    expect(sessionStorage.getItem('console.token')).toBeNull();
  });

  it('hides editing from a viewer', async () => {
    setup(api, viewer());
    await screen.findByText('cust-001');
    expect(screen.queryByRole('form', { name: 'New order' })).toBeNull();
    expect(screen.queryByRole('button', { name: /Cancel order/ })).toBeNull();
    expect(screen.getByText(/viewer role/)).toBeTruthy();
  });
});
