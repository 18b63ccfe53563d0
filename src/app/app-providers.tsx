import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { StrictMode, type ReactNode } from 'react';
import { DataLayerProvider, type DataLayer } from './features/launch-session/data-layer.tsx';

export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: { refetchOnWindowFocus: false, retry: 1, retryDelay: (n) => Math.min(1000 * 2 ** n, 8000) },
    },
  });
}

export function AppProviders({ layer, queryClient, children }: { layer: DataLayer; queryClient?: QueryClient; children: ReactNode }) {
  return (
    <StrictMode>
      <QueryClientProvider client={queryClient ?? createQueryClient()}>
        <DataLayerProvider value={layer}>{children}</DataLayerProvider>
      </QueryClientProvider>
    </StrictMode>
  );
}
